import { waitFor } from '@relay/testing';
import { describe, expect, it } from 'vitest';
import { agentReply, customerConversation, messageSends } from './support/agentReplies.js';
import { useRelayHarness } from './support/useRelayHarness.js';

const relays = useRelayHarness('outcrash');

describe('agent reply exactly once across a worker crash', () => {
  it('sends once when the worker is SIGKILLed after WAHA sent but before it recorded the send', async () => {
    const relay = await relays.start();
    const first = await relay.spawnWorker();
    const chatId = '31620000001@c.us';
    const chat = { chatId, ...(await customerConversation(relay, chatId)) };

    // WAHA sends at once but answers only after 20 s: the worker dies in between.
    relay.waha.injectFault({ path: '/api/sendText', holdResponseMs: 20_000, count: 1 });
    await agentReply(relay, chat, 'sent just before the crash');
    await waitFor(() => messageSends(relay).length === 1, { what: 'WAHA got the send' });
    await first.kill('SIGKILL');

    // The job is taken over (stalled → back at the head of its partition): the pending claim makes it look in
    // the chat's history first, so it is not sent again. A later reply of the same chat waits behind it.
    await relay.spawnWorker();
    await agentReply(relay, chat, 'after the crash');
    await waitFor(() => messageSends(relay).length >= 2, {
      what: 'the second reply',
      timeoutMs: 30_000,
      describe: () => messageSends(relay).map((s) => s.text),
    });
    expect(messageSends(relay).map((s) => s.text)).toEqual(['sent just before the crash', 'after the crash']);
  });
});
