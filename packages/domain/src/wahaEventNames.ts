/** WAHA event names the relay handles (`shared/reference/waha.md` §1.1, §6.2). */

/** Events the relay subscribes to and processes; everything else is acknowledged and ignored. */
export const HANDLED_WAHA_EVENTS = [
  'message',
  'message.any',
  'message.ack',
  'message.reaction',
  'message.edited',
  'message.revoked',
  'session.status',
] as const;

/** One of {@link HANDLED_WAHA_EVENTS}. */
export type HandledWahaEvent = (typeof HANDLED_WAHA_EVENTS)[number];

/** Events whose payload is a full message (`WAMessage`). */
export const MESSAGE_EVENTS = ['message', 'message.any'] as const;

/** One of {@link MESSAGE_EVENTS}. */
export type MessageEvent = (typeof MESSAGE_EVENTS)[number];

/** True for `message` and `message.any`. */
export function isMessageEvent(event: string): event is MessageEvent {
  return (MESSAGE_EVENTS as readonly string[]).includes(event);
}

/** True for the events listed in {@link HANDLED_WAHA_EVENTS}. */
export function isHandledWahaEvent(event: string): event is HandledWahaEvent {
  return (HANDLED_WAHA_EVENTS as readonly string[]).includes(event);
}
