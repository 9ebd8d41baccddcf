/** The engine-specific body WAHA answers a send with (`shared/reference/waha.md` §4.1). */
import { toJid } from './ids.js';
import { SIM_ME, type SimulatedEngine } from './messagePayload.js';

/** Response body of `POST /api/send*` for `engine`, for a message with serialized id `true_{chatId}_{rawId}`. */
export function sendResponseBody(
  engine: SimulatedEngine,
  msg: { chatId: string; rawId: string; text: string | null },
): Record<string, unknown> {
  const id = `true_${msg.chatId}_${msg.rawId}`;
  const nowSec = Math.floor(Date.now() / 1000);
  const content = msg.text === null ? {} : { extendedTextMessage: { text: msg.text } };
  switch (engine) {
    case 'GOWS':
      return {
        id,
        _data: {
          Info: {
            Chat: toJid(msg.chatId),
            Sender: SIM_ME.jid,
            IsFromMe: true,
            ID: msg.rawId,
            Timestamp: new Date().toISOString(),
          },
          Message: content,
        },
      };
    case 'NOWEB':
      return {
        key: { remoteJid: toJid(msg.chatId), fromMe: true, id: msg.rawId },
        message: content,
        messageTimestamp: String(nowSec),
        status: 'PENDING',
      };
    case 'WEBJS':
      return {
        id: { fromMe: true, remote: msg.chatId, id: msg.rawId, _serialized: id },
        timestamp: nowSec,
        from: SIM_ME.id,
        to: msg.chatId,
        body: msg.text ?? '',
        ack: 0,
        hasMedia: msg.text === null,
      };
  }
}
