import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DashboardAuthConfig, DashboardRole } from '@relay/config';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Who is making a request and how they proved it. */
export interface Identity {
  name: string;
  role: DashboardRole;
  /** `session`: signed in through the form (or auth off); `bearer`/`basic`: an Authorization header. */
  via: 'session' | 'bearer' | 'basic';
  /** Tenants the user may see and act on (`DASHBOARD_USERS` scope); null = every tenant. */
  tenants: string[] | null;
}

interface Session {
  id: string;
  csrf: string;
  identity: Identity | null;
  expiresAt: number;
}

export const SESSION_COOKIE = 'relay_dashboard_session';
/** Readable by the page's scripts: Bull Board's client (axios) sends it back as `X-XSRF-TOKEN`. */
export const XSRF_COOKIE = 'XSRF-TOKEN';
const SESSION_TTL_MS = 12 * 3_600_000;
const MAX_SESSIONS = 10_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const digest = (value: string) => createHash('sha256').update(value).digest();
/** Constant-time comparison that leaks neither content nor length. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function readCookie(req: Request, name: string): string | null {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** The identity and session of the current request, set by {@link DashboardAuth.authenticate}. */
export function identityOf(res: Response): Identity {
  return res.locals.identity as Identity;
}
export function csrfTokenOf(res: Response): string {
  return (res.locals.csrf as string | undefined) ?? '';
}

/** Sessions in memory (one dashboard process; a restart signs everyone out), sign-in, guards and CSRF. */
export interface DashboardAuth {
  /** Loads or starts the browser session; every request gets a CSRF token. */
  session: RequestHandler;
  /** Lets authenticated requests through; others get 302 to the sign-in page (HTML) or 401 (anything else). */
  authenticate: RequestHandler;
  /** Refuses a state-changing request without the session's CSRF token (bearer-token requests are exempt). */
  csrf: RequestHandler;
  /** Refuses state-changing requests of read-only users. */
  requireAdminForWrites: RequestHandler;
  /** Checks a user name and password; null when wrong. */
  verify(name: string, password: string): Identity | null;
  /** Replaces the request's session by a signed-in one (new id, new CSRF token). */
  signIn(res: Response, identity: Identity): void;
  signOut(req: Request, res: Response): void;
}

export function createDashboardAuth(config: DashboardAuthConfig, opts: { base: string; now?: () => number }) {
  const now = opts.now ?? Date.now;
  const sessions = new Map<string, Session>();
  const cookiePath = opts.base === '' ? '/' : opts.base;

  const setCookies = (req: Request, res: Response, session: Session) => {
    const secure = req.secure ? '; Secure' : '';
    const common = `Path=${cookiePath}; SameSite=Strict${secure}`;
    res.append('Set-Cookie', `${SESSION_COOKIE}=${session.id}; HttpOnly; ${common}`);
    res.append('Set-Cookie', `${XSRF_COOKIE}=${session.csrf}; ${common}`);
  };
  const start = (req: Request, res: Response, identity: Identity | null): Session => {
    if (sessions.size >= MAX_SESSIONS) {
      for (const [id, old] of sessions) if (old.expiresAt <= now() || !old.identity) sessions.delete(id);
    }
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      identity,
      expiresAt: now() + SESSION_TTL_MS,
    };
    sessions.set(session.id, session);
    setCookies(req, res, session);
    res.locals.session = session;
    res.locals.csrf = session.csrf;
    return session;
  };
  const current = (res: Response) => res.locals.session as Session | undefined;

  const verify = (name: string, password: string): Identity | null => {
    // Every user is compared, so the time taken does not tell which names exist.
    let found: Identity | null = null;
    for (const user of config.users) {
      const ok = sameSecret(name, user.name) && sameSecret(password, user.password);
      if (ok && !found)
        found = { name: user.name, role: user.role, via: 'session', tenants: user.tenants ?? null };
    }
    return found;
  };

  const fromHeader = (req: Request): Identity | null => {
    const header = req.get('authorization') ?? '';
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (bearer && config.token !== null && sameSecret(bearer[1]!, config.token)) {
      return { name: 'token', role: 'admin', via: 'bearer', tenants: null };
    }
    const basic = /^Basic\s+(\S+)\s*$/i.exec(header);
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const identity = colon > 0 ? verify(decoded.slice(0, colon), decoded.slice(colon + 1)) : null;
      return identity ? { ...identity, via: 'basic' } : null;
    }
    return null;
  };

  const session: RequestHandler = (req, res, next) => {
    const id = readCookie(req, SESSION_COOKIE);
    const found = id === null ? undefined : sessions.get(id);
    if (found && found.expiresAt > now()) {
      res.locals.session = found;
      res.locals.csrf = found.csrf;
    } else {
      if (found) sessions.delete(found.id);
      // With sign-in off, every browser is an admin, but still carries a CSRF token.
      start(
        req,
        res,
        config.disabled ? { name: 'anonymous', role: 'admin', via: 'session', tenants: null } : null,
      );
    }
    next();
  };

  const authenticate: RequestHandler = (req, res, next) => {
    const identity = fromHeader(req) ?? current(res)?.identity ?? null;
    if (identity) {
      res.locals.identity = identity;
      return next();
    }
    if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') {
      res.redirect(302, `${opts.base}/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="relay-dashboard"');
    res.status(401).json({ error: 'unauthorized', message: 'sign in, or send a bearer token' });
  };

  const csrf: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    if (identityOf(res)?.via === 'bearer') return next();
    const body = req.body as Record<string, unknown> | undefined;
    const given =
      (typeof body?._csrf === 'string' ? body._csrf : null) ??
      req.get('x-csrf-token') ??
      req.get('x-xsrf-token') ??
      '';
    const expected = current(res)?.csrf;
    // Basic credentials are sent by browsers on their own, like cookies: they only read.
    if (identityOf(res)?.via === 'basic' || !expected || !sameSecret(given, expected)) {
      res.status(403).json({ error: 'csrf', message: 'missing or wrong CSRF token; reload the page' });
      return;
    }
    next();
  };

  const requireAdminForWrites: RequestHandler = (req, res, next) => {
    if (SAFE_METHODS.has(req.method) || identityOf(res)?.role === 'admin') return next();
    res.status(403).json({ error: 'forbidden', message: 'read-only user' });
  };

  return {
    session,
    authenticate,
    csrf,
    requireAdminForWrites,
    verify,
    signIn(res: Response, identity: Identity) {
      const old = current(res);
      if (old) sessions.delete(old.id);
      start(res.req, res, identity);
    },
    signOut(req: Request, res: Response) {
      const old = current(res);
      if (old) sessions.delete(old.id);
      start(
        req,
        res,
        config.disabled ? { name: 'anonymous', role: 'admin', via: 'session', tenants: null } : null,
      );
    },
  } satisfies DashboardAuth;
}
