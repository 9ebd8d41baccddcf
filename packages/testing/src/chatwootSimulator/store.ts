import { randomUUID } from 'node:crypto';
import { internalError, notFound } from './errors.js';
import type {
  SimContact,
  SimContactInbox,
  SimConversation,
  SimInbox,
  SimInboxInput,
  SimMessage,
} from './types.js';

/** Everything one account holds. */
export interface SimAccount {
  id: number;
  contacts: Map<number, SimContact>;
  /** Keyed by display id. */
  conversations: Map<number, SimConversation>;
  /** Keyed by conversation display id, in insertion order. */
  messages: Map<number, SimMessage[]>;
  /** Account label titles (lower-case). */
  labels: Set<string>;
  nextDisplayId: number;
}

/** The simulated agent every account has (the token owner, an administrator). */
export const SIM_AGENT = {
  id: 1,
  name: 'Sim Admin',
  email: 'admin@sim.local',
  role: 'administrator',
} as const;

/** The simulated team every account has. */
export const SIM_TEAM = { id: 1, name: 'sim-team' } as const;

/** In-memory state of the simulator. Ids are global sequences; conversation display ids are per account. */
export class SimStore {
  // Different starting points so a client that mixes ids (e.g. global vs display id) fails loudly.
  private readonly sequences = {
    contact: 100,
    contactInbox: 3000,
    conversation: 5000,
    message: 9000,
    file: 700,
  };
  private messageOrder = 0;
  private readonly accounts = new Map<number, SimAccount>();
  /** Global, like the contact_inboxes table: (inbox_id, source_id) is unique. */
  readonly contactInboxes = new Map<number, SimContactInbox>();
  readonly inboxes = new Map<number, SimInbox>();

  /** Returns the account, creating it empty on first use. */
  account(id: number): SimAccount {
    let account = this.accounts.get(id);
    if (!account) {
      account = {
        id,
        contacts: new Map(),
        conversations: new Map(),
        messages: new Map(),
        labels: new Set(),
        nextDisplayId: 1,
      };
      this.accounts.set(id, account);
    }
    return account;
  }

  /** All account ids known so far. */
  accountIds(): number[] {
    return [...this.accounts.keys()];
  }

  /** Next id of a global sequence. */
  nextId(kind: keyof SimStore['sequences']): number {
    this.sequences[kind] += 1;
    return this.sequences[kind];
  }

  /** Next global message insertion order. */
  nextMessageOrder(): number {
    this.messageOrder += 1;
    return this.messageOrder;
  }

  /** Adds an inbox; the id defaults to the next free one. */
  addInbox(input: SimInboxInput): SimInbox {
    const id = input.id ?? Math.max(0, ...this.inboxes.keys()) + 1;
    const inbox: SimInbox = {
      id,
      accountId: input.accountId,
      name: input.name ?? `Sim inbox ${id}`,
      channelType: input.channelType ?? 'Channel::Api',
      lockToSingleConversation: input.lockToSingleConversation ?? false,
    };
    this.inboxes.set(id, inbox);
    this.account(input.accountId);
    return inbox;
  }

  /** The account's inbox, else 404. */
  inbox(accountId: number, id: unknown): SimInbox {
    const inbox = this.inboxes.get(Number(id));
    if (!inbox || inbox.accountId !== accountId) throw notFound();
    return inbox;
  }

  /** The account's contact, else 404. */
  contact(accountId: number, id: unknown): SimContact {
    const contact = this.account(accountId).contacts.get(Number(id));
    if (!contact) throw notFound();
    return contact;
  }

  /** The account's conversation by display id, else 404. */
  conversation(accountId: number, displayId: unknown): SimConversation {
    const conversation = this.account(accountId).conversations.get(Number(displayId));
    if (!conversation) throw notFound();
    return conversation;
  }

  /** Contact inboxes of a contact, oldest first. */
  contactInboxesOf(contactId: number): SimContactInbox[] {
    return [...this.contactInboxes.values()].filter((ci) => ci.contactId === contactId);
  }

  /**
   * ContactInboxBuilder: find by (contact, inbox, source_id) or create. An API inbox without `sourceId` gets
   * a random UUID, i.e. a new contact_inbox on every call. Another contact's source id → 500 (RecordNotUnique).
   */
  buildContactInbox(
    contact: SimContact,
    inbox: SimInbox,
    sourceId: string | null,
    nowS: number,
  ): SimContactInbox {
    if (sourceId !== null) {
      for (const ci of this.contactInboxes.values()) {
        if (ci.inboxId !== inbox.id || ci.sourceId !== sourceId) continue;
        if (ci.contactId === contact.id) return ci;
        throw internalError('ActiveRecord::RecordNotUnique');
      }
    }
    const ci: SimContactInbox = {
      id: this.nextId('contactInbox'),
      contactId: contact.id,
      inboxId: inbox.id,
      sourceId: sourceId ?? derivedSourceId(contact, inbox),
      created_at: nowS,
    };
    this.contactInboxes.set(ci.id, ci);
    return ci;
  }
}

function derivedSourceId(contact: SimContact, inbox: SimInbox): string {
  if (inbox.channelType === 'Channel::Whatsapp' && contact.phone_number) return contact.phone_number.slice(1);
  if (inbox.channelType === 'Channel::Email' && contact.email) return contact.email;
  return randomUUID();
}

/** Unix seconds now. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
