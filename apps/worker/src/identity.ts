import type { InboundMessage } from '@relay/domain';

/** The Chatwoot contact a WhatsApp chat maps to. */
export interface ChatIdentity {
  /** Contact `identifier` and contact_inbox `source_id`. */
  identifier: string;
  /** E.164, when the chat is a person whose number is known. */
  phone: string | null;
  name: string;
}

const digitsOf = (e164: string) => e164.replace(/^\+/, '');

/**
 * Who the chat is. `@lid` chats use the phone chat id once the phone is known (so they meet the same contact as
 * `@c.us` messages), else the lid itself. Groups are one contact per group.
 */
export function chatIdentity(message: InboundMessage, lidPhone: string | null): ChatIdentity {
  const senderName = message.fromMe ? null : message.senderName?.trim() || null;
  switch (message.chatKind) {
    case 'user': {
      const phone = message.phoneAlt ?? `+${message.chatId.split('@')[0]}`;
      return { identifier: message.chatId, phone, name: senderName ?? phone };
    }
    case 'lid': {
      const phone = message.phoneAlt ?? lidPhone;
      if (phone) return { identifier: `${digitsOf(phone)}@c.us`, phone, name: senderName ?? phone };
      return { identifier: message.chatId, phone: null, name: senderName ?? message.chatId };
    }
    case 'group':
      return {
        identifier: message.chatId,
        phone: null,
        name: `WhatsApp group ${message.chatId.split('@')[0]}`,
      };
    default:
      return { identifier: message.chatId, phone: null, name: message.chatId };
  }
}
