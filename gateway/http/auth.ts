import type { FastifyReply, FastifyRequest } from 'fastify';
import { secretMatchesPlain } from '../broker/secrets.ts';
import { Errors } from '../errors.ts';

export type Role = 'admin' | 'staff';

/**
 * Bearer tokens from config, compared in constant time. Admin may do everything staff may. A token is never taken
 * from a query string (it would end up in browser history and proxy logs): pages get it from the URL fragment
 * (`#token=`, never sent to a server) or a login form, and send it as a header or, for EventSource, which cannot set
 * headers, as the `sg_token` cookie (SameSite=Strict).
 */
export function createAuth(tokens: { admin: string; staff?: string | undefined }, limits = { maxFailures: 20, windowMs: 60_000 }) {
  const tokenOf = (req: FastifyRequest): string | undefined => {
    const h = req.headers.authorization;
    if (h?.startsWith('Bearer ')) return h.slice(7).trim();
    const cookie = req.headers.cookie?.match(/(?:^|;\s*)sg_token=([^;]+)/)?.[1];
    return cookie ? decodeURIComponent(cookie) : undefined;
  };
  const roleOf = (req: FastifyRequest): Role | null => {
    const t = tokenOf(req);
    if (!t) return null;
    if (secretMatchesPlain(t, tokens.admin)) return 'admin';
    if (tokens.staff && secretMatchesPlain(t, tokens.staff)) return 'staff';
    return null;
  };
  // Brute force on tokens: after `maxFailures` wrong tokens from one address within the window, that address
  // gets 429 for the rest of the window, even with a right token.
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

  const require = (need: Role) => async (req: FastifyRequest, _reply: FastifyReply) => {
    if (limited(req.ip)) throw new Errors.limited('too many wrong tokens from this address; try again later');
    const role = roleOf(req);
    if (!role) {
      if (tokenOf(req) !== undefined) fail(req.ip);
      throw new Errors.unauthorized();
    }
    if (need === 'admin' && role !== 'admin') throw new Errors.forbidden('admin token required');
  };
  return { roleOf, requireAdmin: require('admin'), requireStaff: require('staff') };
}

export type Auth = ReturnType<typeof createAuth>;
