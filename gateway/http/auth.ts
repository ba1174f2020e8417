import type { FastifyReply, FastifyRequest } from 'fastify';
import { secretMatchesPlain } from '../broker/secrets.ts';
import { Errors } from '../errors.ts';
import type { Language, StaffRole } from '../staff/accounts.ts';
import type { StaffSessions } from '../staff/sessions.ts';

/** the coarse role of the original two tokens, still what `roleOf` answers */
export type Role = 'admin' | 'staff';
export type { StaffRole };

/**
 * Who is asking: a person logged in with their PIN (`staff`), or an API token (`token`: the admin token, the shared
 * staff token, or a named integration token from `http.apiTokens`). `actor` is what audit logs record: it names the
 * person or the token, never a secret.
 */
export interface Principal {
  kind: 'staff' | 'token';
  /** the person's login or the token's name */
  id: string;
  /** the person's name (for a token: its name) */
  name: string;
  roles: StaffRole[];
  actor: string;
  /** a person's own page language, when their account has one */
  language?: Language | null;
}

export interface ApiToken {
  name: string;
  token: string;
  roles: StaffRole[];
}

export const SESSION_COOKIE = 'sg_session';
const cookie = (req: FastifyRequest, name: string) => {
  const v = req.headers.cookie?.match(new RegExp(`(?:^|;\\s*)${name}=([^;]+)`))?.[1];
  return v ? decodeURIComponent(v) : undefined;
};

/**
 * Bearer tokens from config, compared in constant time, and staff sessions (a person's login). Admin may do
 * everything. A token is never taken from a query string (it would end up in browser history and proxy logs): pages
 * get it from the URL fragment (`#token=`, never sent to a server) or a login form, and send it as a header or, for
 * EventSource, which cannot set headers, as the `sg_token` cookie (SameSite=Strict). A person's session is the
 * HttpOnly `sg_session` cookie (page scripts cannot read it) or a bearer `sgs_…` token.
 */
export function createAuth(
  tokens: { admin: string; staff?: string | undefined; api?: ApiToken[] },
  opts: { sessions?: StaffSessions; limits?: { maxFailures: number; windowMs: number } } = {},
) {
  const limits = opts.limits ?? { maxFailures: 20, windowMs: 60_000 };
  const fixed: Array<ApiToken & { actor: string }> = [
    { name: 'admin', token: tokens.admin, roles: ['admin'], actor: 'admin-token' },
    ...(tokens.staff ? [{ name: 'staff-token', token: tokens.staff, roles: ['fulfilment', 'fitting'] as StaffRole[], actor: 'staff-token' }] : []),
    ...(tokens.api ?? []).map((t) => ({ ...t, actor: `token:${t.name}` })),
  ];
  const tokenOf = (req: FastifyRequest): string | undefined => {
    const h = req.headers.authorization;
    if (h?.startsWith('Bearer ')) return h.slice(7).trim();
    return cookie(req, 'sg_token') ?? cookie(req, SESSION_COOKIE);
  };
  const principalOf = (req: FastifyRequest): Principal | null => {
    const t = tokenOf(req);
    if (!t) return null;
    const s = opts.sessions?.touch(t);
    if (s) return { kind: 'staff', id: s.login, name: s.name, roles: [s.role], actor: `staff:${s.login}`, language: s.language };
    // every configured token is compared (no early exit): the time does not tell which one nearly matched
    let hit: (typeof fixed)[number] | undefined;
    for (const f of fixed) if (secretMatchesPlain(t, f.token) && !hit) hit = f;
    return hit ? { kind: 'token', id: hit.name, name: hit.name, roles: hit.roles, actor: hit.actor } : null;
  };
  const may = (p: Principal | null, role: StaffRole) => !!p && (p.roles.includes('admin') || p.roles.includes(role));
  const roleOf = (req: FastifyRequest): Role | null => {
    const p = principalOf(req);
    return p ? (p.roles.includes('admin') ? 'admin' : 'staff') : null;
  };

  // Brute force on tokens and PINs: after `maxFailures` wrong ones from one address within the window, that address
  // gets 429 for the rest of the window, even with a right one.
  const failures = new Map<string, { count: number; since: number }>();
  const limited = (ip: string) => {
    const f = failures.get(ip);
    if (!f) return false;
    if (Date.now() - f.since > limits.windowMs) {
      failures.delete(ip);
      return false;
    }
    return f.count >= limits.maxFailures;
  };
  const fail = (ip: string) => {
    const f = failures.get(ip);
    if (!f || Date.now() - f.since > limits.windowMs) failures.set(ip, { count: 1, since: Date.now() });
    else f.count++;
    if (failures.size > 10_000) failures.clear();
  };

  const authenticate = (req: FastifyRequest) => {
    if (limited(req.ip)) throw new Errors.limited('too many wrong tokens from this address; try again later');
    const p = principalOf(req);
    if (!p) {
      const t = tokenOf(req);
      // an ended session (`sgs_…`, 32 random bytes: not guessable) is not a guess at a token
      if (t !== undefined && !t.startsWith('sgs_')) fail(req.ip);
      throw new Errors.unauthorized();
    }
    req.principal = p;
    return p;
  };
  const requireRole = (role: StaffRole) => async (req: FastifyRequest, _reply: FastifyReply) => {
    if (!may(authenticate(req), role)) throw new Errors.forbidden(role === 'admin' ? 'admin token required' : `the ${role} role is required`);
  };
  return {
    roleOf,
    principalOf,
    /** true when the request's principal may act in `role` (admin may do everything) */
    can: (req: FastifyRequest, role: StaffRole) => may(principalOf(req), role),
    /** for audit logs: `staff:<login>`, `token:<name>`, `staff-token`, `admin-token`; `unknown` without one */
    actorOf: (req: FastifyRequest) => req.principal?.actor ?? principalOf(req)?.actor ?? 'unknown',
    requireAdmin: requireRole('admin'),
    /** any staff member or token (any role) */
    requireStaff: async (req: FastifyRequest, _reply: FastifyReply) => void authenticate(req),
    requireRole,
    /** the login route counts wrong PINs against the address like wrong tokens */
    loginGuard: { limited: (req: FastifyRequest) => limited(req.ip), fail: (req: FastifyRequest) => fail(req.ip) },
  };
}

export type Auth = ReturnType<typeof createAuth>;

declare module 'fastify' {
  interface FastifyRequest {
    /** set by the auth hooks */
    principal?: Principal;
  }
}
