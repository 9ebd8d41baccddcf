import { readFileSync } from 'node:fs';
import { CONFIG_REFERENCE } from '@relay/config';
import { describe, expect, it } from 'vitest';
import { helpText } from './help.js';

// Table cells may be padded by the formatter: compare with runs of spaces folded.
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8').replace(/ {2,}/g, ' ');

describe('relay --help and the README', () => {
  it('list every setting the config package reads, with the same default', () => {
    for (const [name, fallback] of CONFIG_REFERENCE) {
      expect(helpText()).toContain(name);
      expect(readme).toContain(`| \`${name}\` | ${fallback ? `\`${fallback}\` ` : ''}|`);
    }
  });

  it('name every role the CLI accepts', () => {
    for (const role of ['ingress', 'worker', 'all', 'demo', 'dlq', 'dashboard'])
      expect(helpText()).toMatch(new RegExp(`^  ${role} `, 'm'));
  });
});
