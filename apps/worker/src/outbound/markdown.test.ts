import { describe, expect, it } from 'vitest';
import { chatwootMarkdownToWhatsApp } from './markdown.js';

describe('Chatwoot markdown → WhatsApp', () => {
  it.each([
    ['plain text', 'plain text'],
    ['**bold** and __bold__', '*bold* and *bold*'],
    ['*italic* and _italic_', '_italic_ and _italic_'],
    ['**bold** then *italic*', '*bold* then _italic_'],
    ['~~gone~~', '~gone~'],
    ['# Offer', '*Offer*'],
    ['see [our site](https://example.com)', 'see our site (https://example.com)'],
    ['[https://x.nl](https://x.nl)', 'https://x.nl'],
    ['* one\n* two', '- one\n- two'],
    ['line\\\nbreak', 'line\nbreak'],
    ['`**not bold**` stays', '`**not bold**` stays'],
    ['```\n**code**\n```', '```\n**code**\n```'],
    ['2 * 3 * 4', '2 * 3 * 4'],
  ])('%j → %j', (input, expected) => {
    expect(chatwootMarkdownToWhatsApp(input)).toBe(expected);
  });
});
