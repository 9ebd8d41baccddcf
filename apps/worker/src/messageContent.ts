import type { InboundMessage } from '@relay/domain';

/** A one-line note posted instead of (or with) media the relay could not attach. */
export function mediaNote(message: InboundMessage, reason: string): string {
  const kind = message.media?.mimetype?.split('/')[0] ?? 'media';
  return `[${kind} from WhatsApp could not be attached: ${reason}]`;
}

function locationText(location: NonNullable<InboundMessage['location']>): string {
  const label = [location.name, location.address].filter(Boolean).join(', ');
  const link = `https://maps.google.com/?q=${location.latitude},${location.longitude}`;
  return label ? `📍 ${label}\n${link}` : `📍 ${link}`;
}

function vCardNames(vCards: string[]): string {
  const names = vCards.map((card) => /^FN[^:]*:(.*)$/m.exec(card)?.[1]?.trim() ?? 'contact card');
  return `👤 Shared contact: ${names.join(', ')}`;
}

/** Who wrote a group message, as shown in front of it. */
function groupSenderLabel(message: InboundMessage): string {
  const name = message.senderName?.trim();
  const phone = message.participantPhone;
  if (name && phone) return `${name} (${phone})`;
  return name ?? phone ?? message.participant ?? 'unknown member';
}

/** The text of the Chatwoot message: body, location, cards, notes, and the sender in groups. */
export function messageContent(message: InboundMessage, notes: string[] = []): string {
  const parts = [
    message.body?.trim() ? message.body : null,
    message.location ? locationText(message.location) : null,
    message.vCards && message.vCards.length > 0 ? vCardNames(message.vCards) : null,
    ...notes,
  ].filter((part): part is string => Boolean(part));
  if (parts.length === 0 && message.mediaState !== 'available') parts.push('[unsupported WhatsApp message]');
  const text = parts.join('\n');
  if (message.chatKind === 'group' && !message.fromMe)
    return `**${groupSenderLabel(message)}:** ${text}`.trimEnd();
  return text;
}
