import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Clock } from '../clock.ts';
import { Errors } from '../errors.ts';
import { createThrottledWarn } from '../ingest/throttle.ts';
import type { Logger } from '../log.ts';
import { counter, type Registry as Metrics } from '../metrics.ts';
import { LANGUAGES, LOGIN_PATTERN, STAFF_ROLES, type StaffAccounts } from '../staff/accounts.ts';
import type { StaffSessions } from '../staff/sessions.ts';
import { type Auth, SESSION_COOKIE } from './auth.ts';

const tags = ['staff'];
const security = [{ bearer: [] }];
const Login = Type.String({ pattern: LOGIN_PATTERN });
const RoleT = Type.Union(STAFF_ROLES.map((r) => Type.Literal(r)));
const LanguageT = Type.Union(LANGUAGES.map((l) => Type.Literal(l)));
const Account = Type.Object({
  login: Type.String(),
  name: Type.String(),
  role: Type.String(),
  enabled: Type.Boolean(),
  lockedUntil: Type.Union([Type.String(), Type.Null()]),
  language: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});
const WithPin = Type.Object({ account: Account, pin: Type.Optional(Type.String({ description: 'the new PIN, shown once (when none was given)' })) });
const LoginParam = Type.Object({ login: Login });

/**
 * Staff log in per person (`POST /api/v1/staff/login` with login and PIN or password): the answer sets the HttpOnly
 * `sg_session` cookie (SameSite=Strict, so other sites cannot ride on it). Store IT manages the accounts (admin).
 */
export function staffPlugin(deps: {
  accounts: StaffAccounts;
  sessions: StaffSessions;
  auth: Auth;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  https: boolean;
}) {
  const log = deps.log.child({ module: 'staff' });
  const warn = createThrottledWarn(log, deps.clock);
  const logins = counter(deps.metrics, 'storegate_staff_logins_total', 'Staff logins by outcome', ['outcome']);
  const cookie = (value: string, maxAgeSeconds: number) =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${deps.https ? '; Secure' : ''}`;

  const plugin: FastifyPluginAsyncTypebox = async (app) => {
    app.post(
      '/api/v1/staff/login',
      {
        schema: {
          tags,
          summary: 'A person logs in with their login and PIN (or password); sets the sg_session cookie',
          body: Type.Object(
            {
              login: Type.String({ minLength: 1, maxLength: 64 }),
              secret: Type.String({ minLength: 1, maxLength: 128 }),
              bearer: Type.Optional(Type.Boolean({ description: 'also answer with the session token (for apps that send a bearer header)' })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        if (deps.auth.loginGuard.limited(req)) throw new Errors.limited('too many wrong PINs from this device: wait a minute');
        const login = req.body.login.trim().toLowerCase();
        const r = await deps.accounts.verify(login, req.body.secret);
        logins.inc({ outcome: r.ok ? 'ok' : r.reason });
        if (!r.ok) {
          if (r.reason !== 'locked') deps.auth.loginGuard.fail(req);
          warn(`login:${req.ip}:${r.reason}`, { login: r.reason === 'unknown' ? undefined : login, ip: req.ip, reason: r.reason }, 'staff login refused');
          if (r.reason === 'locked') throw new Errors.limited('this account is locked after too many wrong PINs: try again later or ask store IT to reset it');
          throw new Errors.unauthorized();
        }
        const { account } = r;
        const s = deps.sessions.open({ login: account.login, name: account.name, role: account.role, language: account.language });
        log.info({ login: account.login, role: account.role }, 'staff logged in');
        reply.header('set-cookie', cookie(s.token, Math.round(deps.sessions.policy.maxHours * 3600)));
        reply.header('cache-control', 'no-store');
        return {
          login: account.login,
          name: account.name,
          role: account.role,
          language: account.language,
          idleMinutes: deps.sessions.policy.idleMinutes,
          ...(req.body.bearer ? { token: s.token } : {}),
        };
      },
    );
    app.post('/api/v1/staff/logout', { schema: { tags, summary: 'Ends the session of this cookie or bearer' } }, async (req, reply) => {
      const h = req.headers.authorization;
      const t = h?.startsWith('Bearer sgs_') ? h.slice(7).trim() : req.headers.cookie?.match(new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`))?.[1];
      if (t) deps.sessions.close(decodeURIComponent(t));
      reply.header('set-cookie', cookie('', 0));
      return { ok: true };
    });
    app.get('/api/v1/staff/me', { onRequest: deps.auth.requireStaff, schema: { tags, security, summary: 'Who this session or token is' } }, async (req) => {
      const p = req.principal;
      return { kind: p?.kind, id: p?.id, name: p?.name, roles: p?.roles ?? [], language: p?.language ?? null };
    });

    // store IT: the accounts
    const accountRoutes: FastifyPluginAsyncTypebox = async (admin) => {
      admin.addHook('onRequest', deps.auth.requireAdmin);
      admin.get('/api/v1/staff', { schema: { tags, security, response: { 200: Type.Object({ staff: Type.Array(Account) }) } } }, async () => ({
        staff: await deps.accounts.list(),
      }));
      admin.post(
        '/api/v1/staff',
        {
          schema: {
            tags,
            security,
            summary: 'Add a person; without a PIN one is made and shown once in the answer',
            body: Type.Object(
              {
                login: Login,
                name: Type.String({ minLength: 1, maxLength: 80 }),
                role: RoleT,
                secret: Type.Optional(Type.String()),
                language: Type.Optional(LanguageT),
              },
              { additionalProperties: false },
            ),
            response: { 201: WithPin },
          },
        },
        async (req, reply) => {
          const out = await deps.accounts.add(req.body);
          log.info({ login: out.account.login, role: out.account.role, by: deps.auth.actorOf(req) }, 'staff account added');
          return reply.status(201).send(out);
        },
      );
      const toggle = (enabled: boolean) => async (req: FastifyRequest<{ Params: { login: string } }>) => {
        const account = await deps.accounts.setEnabled(req.params.login, enabled);
        // a disabled person is logged out everywhere at once
        if (!enabled) deps.sessions.endFor(account.login);
        log.info({ login: account.login, by: deps.auth.actorOf(req) }, enabled ? 'staff account enabled' : 'staff account disabled');
        return account;
      };
      const opts = { schema: { tags, security, params: LoginParam, response: { 200: Account } } };
      admin.post('/api/v1/staff/:login/disable', opts, toggle(false));
      admin.post('/api/v1/staff/:login/enable', opts, toggle(true));
      admin.post(
        '/api/v1/staff/:login/reset',
        {
          schema: {
            tags,
            security,
            summary: 'A new PIN (made and shown once when none is given); clears a lockout and ends the sessions',
            params: LoginParam,
            body: Type.Optional(Type.Object({ secret: Type.Optional(Type.String()) }, { additionalProperties: false })),
            response: { 200: WithPin },
          },
        },
        async (req) => {
          const out = await deps.accounts.reset(req.params.login, req.body?.secret);
          deps.sessions.endFor(out.account.login);
          log.info({ login: out.account.login, by: deps.auth.actorOf(req) }, 'staff PIN reset');
          return out;
        },
      );
    };
    await app.register(accountRoutes);
  };
  return plugin;
}
