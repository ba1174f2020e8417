import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Auth } from '../../http/auth.ts';
import { Errors } from '../../errors.ts';
import { type AlertActions, checkMute } from './actions.ts';
import type { AlertBook } from './alert-book.ts';
import { groupAlerts } from './groups.ts';
import type { MuteStore } from './mute-store.ts';
import { MUTE_MINUTES } from './mutes.ts';
import { mayMute, roleForAlert } from './roles.ts';

const Nullable = <T extends ReturnType<typeof Type.Number> | ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(t: T) =>
  Type.Union([t, Type.Null()]);
export const AlertSchema = Type.Object({
  id: Type.Integer(),
  key: Type.String(),
  severity: Type.String(),
  message: Type.String(),
  deviceId: Type.String(),
  source: Type.String(),
  details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  raisedAt: Type.Number({ description: 'ms since the epoch' }),
  updatedAt: Type.Number(),
  resolvedAt: Nullable(Type.Number()),
  kind: Type.String({ description: 'device kind (`gateway` for gateway-level causes)' }),
  zone: Nullable(Type.String()),
  ackedAt: Nullable(Type.Number()),
  ackedBy: Nullable(Type.String({ description: '`staff:<login>` or `token:<name>`' })),
  ackedName: Nullable(Type.String()),
  ackNote: Nullable(Type.String()),
  muteId: Nullable(Type.Integer({ description: 'the mute that covered it: recorded, not notified' })),
});
const GroupSchema = Type.Object({
  id: Type.String({ description: '`<kind>` or `<kind>@<zone>`' }),
  kind: Type.String(),
  zone: Nullable(Type.String()),
  title: Type.String(),
  count: Type.Integer(),
  severity: Type.String(),
  attention: Type.Integer({ description: 'members neither acknowledged nor muted' }),
  members: Type.Array(Type.Integer()),
});
const MuteSchema = Type.Object({
  id: Type.Integer(),
  key: Nullable(Type.String()),
  kind: Nullable(Type.String()),
  zone: Nullable(Type.String()),
  until: Type.Number({ description: 'ms since the epoch; the mute ends by itself then' }),
  byActor: Type.String(),
  byName: Type.String(),
  note: Nullable(Type.String()),
  createdAt: Type.Number(),
});
const Note = Type.String({ minLength: 1, maxLength: 500 });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const IdParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/**
 * Alert routes. Reading the list and "check now" are store IT's (admin). Acknowledging and muting are for whoever
 * can fix the thing (roles.ts): admin for everything, fulfilment for locker alerts, the fitting room for mirror
 * and RFID alerts; the person or token doing it is recorded.
 */
export function alertsHttp(deps: {
  auth: Auth;
  book: AlertBook;
  actions: AlertActions;
  mutes: MuteStore;
  check: () => Promise<void>;
}): FastifyPluginAsyncTypebox {
  const who = (req: FastifyRequest) => {
    const p = req.principal;
    if (!p) throw new Errors.unauthorized();
    return { p, actor: { actor: p.actor, name: p.name } };
  };
  return async (app) => {
    const common = { tags: ['alerts'], security: [{ bearer: [] }] };
    const admin = { onRequest: deps.auth.requireAdmin };
    const staff = { onRequest: deps.auth.requireStaff };

    app.get(
      '/api/v1/alerts',
      {
        ...admin,
        schema: {
          ...common,
          description: 'Open alerts (oldest first), grouped per device kind and zone, the live mutes, and the most recent alerts, open or resolved.',
          querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }),
          response: {
            200: Type.Object({
              open: Type.Array(AlertSchema),
              groups: Type.Array(GroupSchema),
              mutes: Type.Array(MuteSchema),
              recent: Type.Array(AlertSchema),
            }),
          },
        },
      },
      async (req) => {
        const open = deps.book.openAlerts();
        return { open, groups: groupAlerts(open), mutes: deps.mutes.list(), recent: await deps.book.recent(req.query.limit) };
      },
    );

    app.post(
      '/api/v1/alerts/check',
      {
        ...admin,
        schema: { ...common, description: 'Run the health checks now (they also run on a timer).', response: { 200: Type.Object({ open: Type.Integer() }) } },
      },
      async () => {
        await deps.check();
        return { open: deps.book.openAlerts().length };
      },
    );

    app.post(
      '/api/v1/alerts/:id/ack',
      {
        ...staff,
        schema: {
          ...common,
          description: 'Acknowledge an open alert (who: the session or token; an optional note). It stays open, marked, until its cause clears.',
          params: IdParam,
          body: Type.Optional(Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false })),
          response: { 200: AlertSchema },
        },
      },
      async (req) => {
        const { actor } = who(req);
        const a = deps.book.byId(req.params.id);
        if (!a) throw new Errors.notFound(`open alert ${req.params.id}`);
        const role = roleForAlert(a);
        if (!deps.auth.can(req, role))
          throw new Errors.forbidden(role === 'admin' ? 'only store IT may acknowledge this alert' : `the ${role} role is required`);
        return deps.book.acknowledge(a.id, actor, req.body?.note?.trim() || null);
      },
    );

    app.get(
      '/api/v1/alerts/mine',
      {
        ...staff,
        schema: {
          ...common,
          description: 'The open alerts this person or token may acknowledge (their role’s, roles.ts), for the floor staff pages.',
          response: { 200: Type.Object({ open: Type.Array(AlertSchema) }) },
        },
      },
      async (req) => ({ open: deps.book.openAlerts().filter((a) => deps.auth.can(req, roleForAlert(a))) }),
    );

    app.get(
      '/api/v1/alerts/mutes',
      {
        ...staff,
        schema: { ...common, description: 'The live mutes, soonest to end first.', response: { 200: Type.Object({ mutes: Type.Array(MuteSchema) }) } },
      },
      async () => ({ mutes: deps.mutes.list() }),
    );

    app.post(
      '/api/v1/alerts/mutes',
      {
        ...staff,
        schema: {
          ...common,
          description: `Mute alerts for ${MUTE_MINUTES.min}–${MUTE_MINUTES.max} minutes: one key, a device kind, a zone, or a kind in a zone (a group). Muted alerts are recorded and resolve as usual but do not notify.`,
          body: Type.Object(
            {
              key: Type.Optional(Name),
              kind: Type.Optional(Name),
              zone: Type.Optional(Name),
              minutes: Type.Integer({ minimum: MUTE_MINUTES.min, maximum: MUTE_MINUTES.max }),
              note: Type.Optional(Note),
            },
            { additionalProperties: false },
          ),
          response: { 201: MuteSchema },
        },
      },
      async (req, reply) => {
        const { p, actor } = who(req);
        checkMute(req.body);
        if (!mayMute(p.roles, req.body, req.body.key ? deps.book.get(req.body.key)?.kind : undefined))
          throw new Errors.forbidden('your role may not mute these alerts (store IT may mute everything)');
        return reply.status(201).send(await deps.actions.mute(req.body, actor));
      },
    );

    app.delete(
      '/api/v1/alerts/mutes/:id',
      { ...staff, schema: { ...common, description: 'End a mute now.', params: IdParam, response: { 200: MuteSchema } } },
      async (req) => {
        const { p, actor } = who(req);
        const m = deps.mutes.list().find((x) => x.id === req.params.id);
        if (!m) throw new Errors.notFound(`live mute ${req.params.id}`);
        if (!mayMute(p.roles, m)) throw new Errors.forbidden('your role may not end this mute');
        return deps.actions.unmute(req.params.id, actor);
      },
    );
  };
}
