import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from './html.js';
import { redactForDisplay } from './redact.js';

describe('redactForDisplay', () => {
  it('hides secrets and message content, shortens names and masks phones and e-mails', () => {
    const shown = redactForDisplay({
      tenant: 'dealer',
      apiToken: 'cw-secret-token',
      message: {
        chatId: '31612345678@c.us',
        messageId: 'false_31612345678@c.us_3EB0ABC',
        body: 'call me at jan@example.com',
        senderName: 'Jan Jansen',
        phoneAlt: '+31612345678',
        timestamp: 1_700_000_000,
      },
      notes: ['mail piet@example.org'],
    });
    expect(shown).toEqual({
      tenant: 'dealer',
      apiToken: '[redacted]',
      message: {
        chatId: '*******5678@c.us',
        messageId: 'false_*******5678@c.us_3EB0ABC',
        body: '[hidden: 26 chars]',
        senderName: 'J…',
        phoneAlt: '+*******5678',
        timestamp: 1_700_000_000,
      },
      notes: ['mail p***@example.org'],
    });
    expect(JSON.stringify(shown)).not.toContain('cw-secret-token');
  });
});

describe('html', () => {
  it('escapes interpolated text but not nested templates', () => {
    const name = '<script>alert("x")</script>';
    expect(html`<p>${name}</p>${html`<b>${'&'}</b>`}`.toString()).toBe(
      `<p>${escapeHtml(name)}</p><b>&amp;</b>`,
    );
  });
});
