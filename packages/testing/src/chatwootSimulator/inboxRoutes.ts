/** Inbox endpoints (chatwoot-api.md §8). */
import type { SimRoute } from './router.js';
import { inboxJson } from './serialize.js';

/** Routes of the inbox endpoints. */
export const inboxRoutes: SimRoute[] = [
  {
    method: 'GET',
    template: '/inboxes',
    handler: (ctx) => ({
      body: {
        payload: [...ctx.store.inboxes.values()].filter((i) => i.accountId === ctx.accountId).map(inboxJson),
      },
    }),
  },
  {
    method: 'GET',
    template: '/inboxes/:id',
    // No envelope, unlike most endpoints.
    handler: (ctx) => ({ body: inboxJson(ctx.store.inbox(ctx.accountId, ctx.params.id)) }),
  },
];
