/** HTML that is already safe to send; everything else is escaped by {@link html}. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML body or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

type Interpolated = SafeHtml | string | number | boolean | null | undefined | Interpolated[];

function render(value: Interpolated): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Tagged template: interpolated values are escaped unless they are {@link SafeHtml} (arrays are joined). */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** What every page shows around its content. */
export interface PageContext {
  title: string;
  /** Signed-in user and role, or null on the sign-in page. */
  user: { name: string; role: string } | null;
  csrfToken: string;
  /** Mount path of the dashboard, '' at the root. */
  base: string;
}

/** The page frame: navigation, the signed-in user and a sign-out form (CSRF-protected like every POST). */
export function layout(ctx: PageContext, body: SafeHtml): string {
  const nav = ctx.user
    ? html`<nav>
        <a href="${ctx.base}/">Health</a> <a href="${ctx.base}/dlq">Dead letters</a>
        <a href="${ctx.base}/budget">API budget</a> <a href="${ctx.base}/queues">Bull Board</a>
        <span class="who">${ctx.user.name} (${ctx.user.role})</span>
        <form method="post" action="${ctx.base}/logout" class="inline">
          ${csrfField(ctx.csrfToken)}<button type="submit">Sign out</button>
        </form>
      </nav>`
    : '';
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8">
<title>${ctx.title} · relay</title><link rel="stylesheet" href="${ctx.base}/static/dashboard.css"></head>
<body><header><h1>chatwoot-relay</h1>${nav}</header><main><h2>${ctx.title}</h2>${body}</main></body></html>`}`;
}

/** The hidden CSRF field every state-changing form carries. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** `2025-01-31 10:00:00Z` from epoch ms. */
export function formatTime(ms: number | null | undefined): string {
  if (!ms) return '–';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** `3 s`, `4 min`, `2 h` */
export function formatAge(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
