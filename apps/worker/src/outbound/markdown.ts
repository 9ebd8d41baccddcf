/**
 * Chatwoot's markdown (CommonMark as its editor writes it) → WhatsApp's formatting:
 * `**b**`/`__b__` → `*b*`, `*i*`/`_i_` → `_i_`, `~~s~~` → `~s~`, `# h` → `*h*`, `[t](u)` → `t (u)`,
 * `* item` → `- item`, hard-break backslashes dropped. Code (inline and fenced) is left untouched.
 */
const BOLD = '\u0001';
const SLOT = '\u0002';

/** Converts one message's text; returns it unchanged when it has no markdown. */
export function chatwootMarkdownToWhatsApp(text: string): string {
  const code: string[] = [];
  const keep = (match: string) => {
    code.push(match);
    return `${SLOT}${code.length - 1}${SLOT}`;
  };
  let out = text.replace(/\r\n/g, '\n');
  out = out.replace(/```[\s\S]*?```/g, keep).replace(/`[^`\n]+`/g, keep);
  out = out
    .replace(/\\\n/g, '\n')
    .replace(/^#{1,6}\s+(.+?)\s*#*$/gm, `${BOLD}$1${BOLD}`)
    .replace(/^(\s*)[*+]\s+/gm, '$1- ')
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, `${BOLD}$1${BOLD}`)
    .replace(/__(?=\S)([\s\S]*?\S)__/g, `${BOLD}$1${BOLD}`)
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/g, '$1_$2_')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '~$1~')
    .replace(/!?\[([^\]]*)\]\(([^)\s]+)\)/g, (_m, label: string, url: string) =>
      label === '' || label === url ? url : `${label} (${url})`,
    );
  out = out.replaceAll(BOLD, '*');
  return out.replace(
    new RegExp(`${SLOT}(\\d+)${SLOT}`, 'g'),
    (_m, index: string) => code[Number(index)] ?? '',
  );
}
