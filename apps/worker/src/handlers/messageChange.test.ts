import { readFileSync } from 'node:fs';
import { normalizeMessageChange, parseWahaEnvelope } from '@relay/domain';
import { messageChangeJobId, messageChangeKey } from '@relay/queue';
import { describe, expect, it } from 'vitest';

const sample = (name: string) => {
  const parsed = parseWahaEnvelope(
    JSON.parse(readFileSync(`/work/shared/reference/waha/${name}.json`, 'utf8')),
  );
  if (!parsed.ok) throw new Error(parsed.error);
  const result = normalizeMessageChange(parsed.envelope);
  if (!result.ok) throw new Error(result.error);
  return result.change;
};

describe('message change normalisation and identity (WAHA reference samples)', () => {
  it('reads edits, deletes and reactions with their original raw id and chat', () => {
    expect(sample('message.edited')).toMatchObject({
      kind: 'edit',
      chatId: '31612345678@c.us',
      originalRawId: 'A1B2C3D4E5F60718293A4B5C6D7E8F90',
      text: 'Hoi, ik heb interesse in jullie aanbod. Kunnen jullie mij morgen bellen?',
    });
    expect(sample('message.revoked')).toMatchObject({
      kind: 'revoke',
      chatId: '31612345678@c.us',
      originalRawId: 'D4E5F60718293A4B5C6D7E8F90A1B2C3',
    });
    expect(sample('message.reaction')).toMatchObject({
      kind: 'reaction',
      chatId: '31612345678@c.us',
      originalRawId: '3EB0A7B6C5D4E3F21009',
      text: '👍',
    });
    expect(sample('message.reaction.removed')).toMatchObject({ kind: 'reaction', text: '' });
  });

  it('gives a reaction and its removal different keys and safe job ids', () => {
    const added = sample('message.reaction');
    const removed = { ...added, text: '' };
    expect(messageChangeKey(added)).not.toBe(messageChangeKey(removed));
    expect(messageChangeJobId('dealer', added)).toMatch(/^chg-dealer-[A-Za-z0-9_-]+$/);
    expect(messageChangeJobId('dealer', added)).not.toBe(
      messageChangeJobId('dealer', { ...added, text: '❤️' }),
    );
  });
});
