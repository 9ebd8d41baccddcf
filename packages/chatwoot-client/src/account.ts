import type { CallOptions, RequestFn } from './http.js';
import { asNum, asObj, asStr, listOf, UnexpectedShapeError, unwrapPayload } from './parse.js';
import type { AccountLabel, Agent, Team } from './types.js';

/** Account-level endpoints: agents, teams and labels (chatwoot-api.md §5.6, §7). */
export interface AccountMethods {
  /** `GET /agents`: every agent of the account (a bare array, no envelope). */
  listAgents(opts?: CallOptions): Promise<Agent[]>;
  /** `GET /teams`: every team of the account (a bare array). */
  listTeams(opts?: CallOptions): Promise<Team[]>;
  /** `GET /labels`: the account's labels (`{payload:[...]}`). */
  listAccountLabels(opts?: CallOptions): Promise<AccountLabel[]>;
  /** `POST /labels {title}`: creates an account label; returns it. */
  createAccountLabel(title: string, opts?: CallOptions): Promise<AccountLabel>;
}

function named(raw: unknown, what: string): { id: number; name: string } {
  const o = asObj(raw);
  const id = asNum(o?.id);
  if (id === null) throw new UnexpectedShapeError(`expected a ${what} with a numeric id`);
  return { id, name: asStr(o?.name) ?? '' };
}

function toLabel(raw: unknown): AccountLabel {
  const o = asObj(raw);
  const id = asNum(o?.id);
  const title = asStr(o?.title);
  if (id === null || title === null) throw new UnexpectedShapeError('expected a label with an id and title');
  return { id, title };
}

/** Builds the account methods on top of a requester. */
export function createAccountMethods(request: RequestFn): AccountMethods {
  return {
    listAgents(opts) {
      return request({ method: 'GET', path: '/agents', template: '/agents', signal: opts?.signal }, (body) =>
        listOf(body).map((a) => named(a, 'agent')),
      );
    },

    listTeams(opts) {
      return request({ method: 'GET', path: '/teams', template: '/teams', signal: opts?.signal }, (body) =>
        listOf(body).map((t) => named(t, 'team')),
      );
    },

    listAccountLabels(opts) {
      return request({ method: 'GET', path: '/labels', template: '/labels', signal: opts?.signal }, (body) =>
        listOf(body).map(toLabel),
      );
    },

    async createAccountLabel(title, opts) {
      if (title.trim() === '') throw new TypeError('createAccountLabel: title must not be blank');
      return request(
        { method: 'POST', path: '/labels', template: '/labels', json: { title }, signal: opts?.signal },
        (body) => toLabel(unwrapPayload(body)),
      );
    },
  };
}
