import type { OutboundApiData } from '@relay/queue';
import { conversationForChat } from '../chatConversation.js';
import { findBySourceId } from '../handlers/inboundMessage.js';
import type { OutboundDeps } from './deps.js';
import { handleSend, type SendOutcome } from './sendMessage.js';

/** What a send-API job returns (and `GET /v1/messages/:id` shows). */
export interface ApiSendResult {
  outcome: SendOutcome;
  conversationId: number;
  chatwootMessageId: number;
}

/**
 * A send-API message: the outgoing message is written into Chatwoot once (claim, create with `source_id`
 * `relay:api:<job>`, a crashed attempt looks for that source_id first), labels are merged in, and it goes to
 * WhatsApp through {@link handleSend}, keyed by its Chatwoot id like an agent reply. The webhook Chatwoot fires
 * for it is dropped by the ingress (relay `source_id`), so it is never sent twice.
 */
export async function handleApiSend(data: OutboundApiData, deps: OutboundDeps): Promise<ApiSendResult> {
  const tenantId = deps.tenant.config.id;
  const claimKey = `api:${deps.jobId}`;
  const sourceId = `relay:api:${deps.jobId}`;
  const record = await deps.inboundLedger.get(tenantId, claimKey);
  let conversationId: number;
  let chatwootMessageId: number | null = null;
  if (record?.state === 'done') {
    conversationId = record.conversationId;
    chatwootMessageId = record.chatwootMessageId;
  } else {
    conversationId =
      record?.state === 'pending'
        ? record.conversationId
        : await conversationForChat(deps, data.chatId, async () => ({
            identifier: data.chatId,
            phone: data.phone,
            name: data.phone ?? data.chatId,
          }));
    if (record?.state === 'pending')
      chatwootMessageId = await findBySourceId(deps.tenant.chatwoot, conversationId, sourceId, deps.signal);
    if (chatwootMessageId === null) {
      await deps.inboundLedger.markPending(tenantId, claimKey, { conversationId, jobId: deps.jobId });
      const links = data.attachments.map((attachment) => attachment.url);
      const created = await deps.tenant.chatwoot.createMessage(
        conversationId,
        {
          content: [data.text, ...links].filter((part) => part !== '').join('\n'),
          message_type: 'outgoing',
          source_id: sourceId,
          content_attributes: { relay_origin: 'send_api' },
        },
        { signal: deps.signal },
      );
      chatwootMessageId = created.id;
    }
    await deps.inboundLedger.markDone(tenantId, claimKey, { conversationId, chatwootMessageId });
  }
  if (data.labels.length > 0) {
    const current = await deps.tenant.chatwoot.listConversationLabels(conversationId, {
      signal: deps.signal,
    });
    const wanted = [...new Set([...current, ...data.labels.map((label) => label.toLowerCase())])];
    if (wanted.length > current.length)
      await deps.tenant.chatwoot.setConversationLabels(conversationId, wanted, { signal: deps.signal });
  }
  const outcome = await handleSend(
    {
      kind: 'send',
      tenant: tenantId,
      chatId: data.chatId,
      conversationId,
      chatwootMessageId,
      content: data.text,
      attachments: data.attachments.map((attachment) => ({
        fileType: (attachment.mimetype ?? '').split('/')[0] || 'file',
        url: attachment.url,
        filename: attachment.filename,
        mimetype: attachment.mimetype,
      })),
      inReplyTo: null,
      inReplyToExternalId: null,
      format: 'whatsapp',
      resend: false,
      acceptedAt: data.acceptedAt,
      retries: data.retries,
    },
    deps,
  );
  return { outcome, conversationId, chatwootMessageId };
}
