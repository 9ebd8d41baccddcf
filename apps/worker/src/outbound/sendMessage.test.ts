import { describe, expect, it } from 'vitest';
import { mediaKindOf, partsOf } from './sendMessage.js';

const attachment = (fileType: string, url: string) => ({ fileType, url, filename: null, mimetype: null });

describe('what a Chatwoot message becomes on WhatsApp', () => {
  it('is one text, converted from markdown, or nothing when empty', () => {
    expect(partsOf({ content: '**Hi**', attachments: [], format: 'markdown' })).toEqual([
      { kind: 'text', text: '*Hi*' },
    ]);
    expect(partsOf({ content: '*as is*', attachments: [], format: 'whatsapp' })).toEqual([
      { kind: 'text', text: '*as is*' },
    ]);
    expect(partsOf({ content: '  ', attachments: [], format: 'markdown' })).toEqual([]);
  });

  it('sends each attachment by type with the text as the first caption; voice notes get the text before them', () => {
    const parts = partsOf({
      content: 'Photos',
      attachments: [attachment('image', 'https://cw/a.png'), attachment('file', 'https://cw/b.pdf')],
      format: 'markdown',
    });
    expect(parts).toEqual([
      { kind: 'image', file: { mimetype: 'image/png', url: 'https://cw/a.png' }, caption: 'Photos' },
      { kind: 'file', file: { mimetype: 'application/pdf', url: 'https://cw/b.pdf' }, caption: null },
    ]);
    expect(
      partsOf({
        content: 'Listen',
        attachments: [attachment('audio', 'https://cw/v.ogg')],
        format: 'markdown',
      }),
    ).toEqual([
      { kind: 'text', text: 'Listen' },
      { kind: 'voice', file: { mimetype: 'audio/ogg', url: 'https://cw/v.ogg' }, caption: null },
    ]);
  });

  it('sends images WhatsApp cannot show inline as files', () => {
    expect(mediaKindOf('image', 'image/jpeg')).toBe('image');
    expect(mediaKindOf('image', 'image/gif')).toBe('file');
    expect(mediaKindOf('video', 'video/mp4')).toBe('video');
    expect(mediaKindOf('audio', 'audio/ogg')).toBe('voice');
  });
});
