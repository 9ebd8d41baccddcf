import type { ChatwootClient, Contact } from '@relay/chatwoot-client';
import { isChatwootError } from '@relay/chatwoot-client';
import type { ChatIdentity } from './identity.js';

export interface ResolvedContact {
  contactId: number;
  sourceId: string;
  /** Created by this call: it has no conversations yet. */
  created: boolean;
}

/** Exact match among (fuzzy or filtered) results: identifier first, then phone. Never trust the search alone. */
export function pickExactContact(contacts: Contact[], identity: ChatIdentity): Contact | null {
  const byIdentifier = contacts.find((contact) => contact.identifier === identity.identifier);
  if (byIdentifier) return byIdentifier;
  if (!identity.phone) return null;
  return contacts.find((contact) => contact.phone_number === identity.phone) ?? null;
}

async function findContact(client: ChatwootClient, identity: ChatIdentity, signal?: AbortSignal) {
  const conditions: Parameters<ChatwootClient['filterContacts']>[0] = [
    { attribute: 'identifier', value: identity.identifier },
  ];
  if (identity.phone) conditions.push({ attribute: 'phone_number', value: identity.phone });
  return pickExactContact(await client.filterContacts(conditions, { signal }), identity);
}

async function ensureContactInbox(
  client: ChatwootClient,
  contact: Contact,
  inboxId: number,
  identity: ChatIdentity,
  signal?: AbortSignal,
): Promise<ResolvedContact> {
  const existing = contact.contact_inboxes.find((ci) => ci.inbox_id === inboxId);
  if (existing) return { contactId: contact.id, sourceId: existing.source_id, created: false };
  // Idempotent because the source_id is given (chatwoot-api.md §4.5).
  const created = await client.createContactInbox(
    contact.id,
    { inbox_id: inboxId, source_id: identity.identifier },
    { signal },
  );
  return { contactId: contact.id, sourceId: created.sourceId, created: false };
}

/**
 * Finds the contact by exact identifier/phone or creates it with its contact_inbox in one call.
 * A lost creation race ("has already been taken", or the 500 of a unique index) re-resolves instead of failing.
 */
export async function upsertContact(
  client: ChatwootClient,
  inboxId: number,
  identity: ChatIdentity,
  signal?: AbortSignal,
): Promise<ResolvedContact> {
  const found = await findContact(client, identity, signal);
  if (found) return ensureContactInbox(client, found, inboxId, identity, signal);
  try {
    const created = await client.createContact(
      {
        name: identity.name,
        identifier: identity.identifier,
        ...(identity.phone ? { phone_number: identity.phone } : {}),
        inbox_id: inboxId,
        source_id: identity.identifier,
      },
      { signal },
    );
    return {
      contactId: created.contact.id,
      sourceId: created.sourceId ?? identity.identifier,
      created: true,
    };
  } catch (error) {
    const raced = isChatwootError(error) && (error.kind === 'already_taken' || error.kind === 'server');
    if (!raced) throw error;
    const winner = await findContact(client, identity, signal);
    if (!winner) throw error;
    return ensureContactInbox(client, winner, inboxId, identity, signal);
  }
}
