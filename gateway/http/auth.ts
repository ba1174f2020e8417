import type { FastifyReply, FastifyRequest } from 'fastify';
import { secretMatchesPlain } from '../broker/secrets.ts';
import { Errors } from '../errors.ts';

export type Role = 'admin' | 'staff';

/**
 * Bearer tokens from config, compared in constant time. Admin may do everything staff may. The dashboard's
 * EventSource cannot set headers, so `?token=` is accepted on GET requests only.
 */
export function createAuth(tokens: { admin: string; staff?: string | undefined }) {
  const tokenOf = (req: FastifyRequest): string | undefined => {
    const h = req.headers.authorization;
    if (h?.startsWith('Bearer ')) return h.slice(7).trim();
    if (req.method === 'GET') {
      const q = (req.query as { token?: unknown } | undefined)?.token;
      if (typeof q === 'string') return q;
    }
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
  const require = (need: Role) => async (req: FastifyRequest, _reply: FastifyReply) => {
    const role = roleOf(req);
    if (!role) throw new Errors.unauthorized();
    if (need === 'admin' && role !== 'admin') throw new Errors.forbidden('admin token required');
  };
  return { roleOf, requireAdmin: require('admin'), requireStaff: require('staff') };
}

export type Auth = ReturnType<typeof createAuth>;
