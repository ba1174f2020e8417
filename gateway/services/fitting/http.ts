import { deviceSource } from '../../../devices/topics.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { InteractionMessage, type MirrorCommand } from '../../../devices/smart-mirror/messages.ts';
import { MIRROR_KIND } from '../../../devices/smart-mirror/topics.ts';
import { Errors } from '../../errors.ts';
import type { Ctx } from './context.ts';
import { onFrame, onInteraction } from './mirror.ts';
import { mirrorPage } from './page.ts';
import { type SizeRequestRow, setRequestStatus } from './sessions.ts';
import { fittingStaffPage } from './staff-page.ts';
import { pageLanguage } from '../../http/staff-shell.ts';

const tags = ['fitting'];
const security = [{ bearer: [] }];
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
/** a request to a `/:id` route (hooks and handlers shared by several routes) */
type IdRequest = FastifyRequest<{ Params: Static<typeof IdParam> }>;
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream'];
const SizeRequest = Type.Object({
  id: Type.String(),
  mirrorId: Type.String(),
  zone: Type.Union([Type.String(), Type.Null()]),
  productId: Type.String(),
  productName: Type.String(),
  size: Type.String(),
  status: Type.String(),
  /** who claimed it and who answered it (`staff:<login>`, a token's name, `shopper`, `gateway`) */
  claimedBy: Type.Union([Type.String(), Type.Null()]),
  answeredBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const STATUSES = ['open', 'claimed', 'done', 'unavailable', 'cancelled', 'pending'];

/** HTTP status for a mirror error answer */
const statusOf = (cmd: MirrorCommand) =>
  cmd.type !== 'error'
    ? 200
    : cmd.reason === 'recognition_unavailable'
      ? 503
      : cmd.reason.startsWith('too_many')
        ? 413
        : cmd.reason === 'no_object'
          ? 422
          : 400;

export function fittingHttp(ctx: Ctx): FastifyPluginAsyncTypebox {
  const view = (r: SizeRequestRow) => ({
    id: r.id,
    mirrorId: r.mirror_id,
    zone: r.zone,
    productId: r.sku,
    productName: ctx.catalog.products.find((p) => p.sku === r.sku)?.name ?? r.sku,
    size: r.size,
    status: r.status,
    claimedBy: r.claimed_by ?? null,
    answeredBy: r.answered_by ?? null,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  });

  const bearer = (req: FastifyRequest) => {
    const h = req.headers.authorization;
    return h?.startsWith('Bearer ') ? h.slice(7).trim() : '';
  };
  /** true when the bearer is this mirror's own device secret */
  const isMirror = async (id: string, secret: string) => {
    if (!secret) return false;
    const r = await ctx.deps.registry.authenticate(id, secret);
    if (!r.ok) return false;
    if (r.device.kind !== MIRROR_KIND) throw new Errors.forbidden(`device ${id} is not a mirror`);
    return true;
  };
  /** A mirror authenticates with its own device secret as a Bearer token. */
  const mirrorAuth = async (req: IdRequest) => {
    const secret = bearer(req);
    if (!secret) throw new Errors.unauthorized();
    if (!(await isMirror(req.params.id, secret))) throw new Errors.unauthorized();
  };
  /**
   * The mirror page runs in the mirror's own browser with the mirror's device secret; store IT may also open it
   * with the staff or admin token to test a mirror. Anyone else sees nothing: not even which item is in the room.
   */
  const viewerAuth = async (req: IdRequest, reply: FastifyReply) => {
    if (ctx.deps.auth.can(req, 'fitting')) return;
    if (await isMirror(req.params.id, bearer(req))) return;
    return ctx.deps.auth.requireRole('fitting')(req, reply);
  };

  /** what the mirror page shows: the last answer and the open session's size requests (product ids only) */
  const mirrorState = async (id: string) => {
    const requests = await ctx.deps.db.all<SizeRequestRow>(
      `SELECT r.* FROM fitting_size_requests r JOIN fitting_room_sessions s ON s.id = r.session_id
       WHERE r.mirror_id = ? AND s.ended_at IS NULL ORDER BY r.created_at`,
      [id],
    );
    return { mirrorId: id, answer: ctx.lastAnswer.get(id) ?? null, sizeRequests: requests.map(view) };
  };

  const mirrors: FastifyPluginAsyncTypebox = async (app) => {
    // open mirror pages would otherwise hold the server open on shutdown
    app.addHook('preClose', (done) => {
      for (const hub of ctx.live.values()) hub.close();
      ctx.staffLive.close();
      done();
    });
    app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer', bodyLimit: ctx.cfg.maxFrameBytes }, (_req, body, done) => done(null, body));
    app.post(
      '/api/v1/fitting/mirrors/:id/frames',
      {
        onRequest: mirrorAuth,
        bodyLimit: ctx.cfg.maxFrameBytes,
        schema: { tags, security, summary: 'A mirror posts one camera frame; the answer is the same as on its cmd topic', params: IdParam },
      },
      async (req, reply) => {
        const { id } = req.params;
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        ctx.deps.bus.emit(ctx.deps.bus.make('fitting.frame.received', deviceSource(ctx.deps.storeId, MIRROR_KIND, id), { mirrorId: id, bytes: body.length }));
        const cmd = await onFrame(ctx, id, body);
        return reply.status(statusOf(cmd)).send(cmd);
      },
    );
    app.post(
      '/api/v1/fitting/mirrors/:id/interactions',
      {
        onRequest: viewerAuth,
        schema: {
          tags,
          security,
          params: IdParam,
          body: InteractionMessage,
          summary: 'The shopper tapped something on the mirror page (pick, tap, size_request, order); same as the interaction topic',
        },
      },
      async (req, reply) => {
        const { id } = req.params;
        const device = await ctx.deps.registry.get(id);
        if (!device || device.revokedAt || device.kind !== MIRROR_KIND) throw new Errors.notFound(`mirror ${id}`);
        const cmd = await onInteraction(ctx, id, req.body);
        return reply
          .status(
            cmd.type === 'error'
              ? cmd.reason === 'unknown_product' || cmd.reason === 'unknown_request'
                ? 404
                : cmd.reason === 'request_answered'
                  ? 409
                  : 400
              : 200,
          )
          .send(cmd);
      },
    );
    app.get(
      '/api/v1/fitting/mirrors/:id/state',
      { onRequest: viewerAuth, schema: { tags, security, params: IdParam, summary: "The mirror's current answer and size requests (for the mirror page)" } },
      async (req) => mirrorState(req.params.id),
    );
    app.get(
      '/api/v1/fitting/mirrors/:id/events',
      {
        onRequest: viewerAuth,
        schema: {
          tags,
          security,
          params: IdParam,
          summary: 'Server-sent events for the mirror page: `state` on connect, then each command the mirror gets (`cmd`), as it gets it',
        },
      },
      async (req, reply) => {
        const { id } = req.params;
        const hub = ctx.liveHub(id);
        if (hub.full()) throw new Errors.unavailable(`too many pages open for mirror ${id}`);
        reply.hijack();
        hub.attach(reply.raw);
        const state = await mirrorState(id);
        if (!reply.raw.destroyed) reply.raw.write(`event: state\ndata: ${JSON.stringify(state)}\n\n`);
      },
    );
    // the page is public (it holds no data); everything it shows comes from the staff API with the staff token
    app.get('/staff/fitting-rooms', { schema: { hide: true } }, async (req, reply) =>
      reply.type('text/html; charset=utf-8').send(fittingStaffPage(pageLanguage(req.query, ctx.language))),
    );
    app.get('/mirror/:id', { schema: { hide: true, params: IdParam } }, async (req, reply) =>
      reply.type('text/html; charset=utf-8').send(mirrorPage(req.params.id, { language: ctx.language, lockerPickup: ctx.cfg.lockerPickup })),
    );
  };

  const staff: FastifyPluginAsyncTypebox = async (app) => {
    app.addHook('onRequest', ctx.deps.auth.requireRole('fitting'));
    app.get(
      '/api/v1/fitting/size-requests/events',
      {
        schema: {
          tags,
          security,
          summary: 'Server-sent events for the staff page: `request` {id, status, …} on every size-request change (the staff session cookie works)',
        },
      },
      async (req, reply) => {
        if (ctx.staffLive.full()) throw new Errors.unavailable('too many staff pages open');
        reply.hijack();
        const last = req.headers['last-event-id'];
        ctx.staffLive.attach(reply.raw, typeof last === 'string' ? last : undefined);
      },
    );
    app.get(
      '/api/v1/fitting/size-requests',
      {
        schema: {
          tags,
          security,
          querystring: Type.Object({ status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))) }),
          response: { 200: Type.Object({ requests: Type.Array(SizeRequest) }) },
        },
      },
      async (req) => {
        const { status = 'pending' } = req.query;
        const rows =
          status === 'pending'
            ? await ctx.deps.db.all<SizeRequestRow>("SELECT * FROM fitting_size_requests WHERE status IN ('open', 'claimed') ORDER BY created_at, id")
            : await ctx.deps.db.all<SizeRequestRow>('SELECT * FROM fitting_size_requests WHERE status = ? ORDER BY created_at, id', [status]);
        return { requests: rows.map(view) };
      },
    );
    /** a person's step on a request: named in the row, the event and the answer */
    const transition = (to: 'claimed' | 'done' | 'unavailable', from: string[]) => async (req: IdRequest) => {
      const { id } = req.params;
      const by = ctx.deps.auth.actorOf(req);
      return ctx.work(async (tx, fx) => {
        const r = await tx.get<SizeRequestRow>('SELECT * FROM fitting_size_requests WHERE id = ?', [id]);
        if (!r) throw new Errors.notFound(`size request ${id}`);
        if (!from.includes(r.status))
          throw new Errors.conflict(r.status === 'open' ? `size request ${id} is not claimed yet: claim it first` : `size request ${id} is ${r.status}`);
        await setRequestStatus(ctx, tx, fx, r, to, by);
        return view({ ...r, status: to, updated_at: ctx.now(), ...(to === 'claimed' ? { claimed_by: by } : { answered_by: by }) });
      });
    };
    const opts = { schema: { tags, security, params: IdParam, response: { 200: SizeRequest } } };
    app.post('/api/v1/fitting/size-requests/:id/claim', opts, transition('claimed', ['open']));
    // "brought" and "not available" answer a claimed request: someone must have gone to look
    app.post('/api/v1/fitting/size-requests/:id/done', opts, transition('done', ['claimed']));
    app.post('/api/v1/fitting/size-requests/:id/unavailable', opts, transition('unavailable', ['claimed']));
    app.get('/api/v1/fitting/rooms', { schema: { tags, security } }, async () => ({
      open: await ctx.deps.db.all(
        'SELECT id AS sessionId, mirror_id AS mirrorId, zone, started_at AS startedAt FROM fitting_room_sessions WHERE ended_at IS NULL ORDER BY started_at',
      ),
    }));
  };

  return async (app) => {
    await app.register(mirrors);
    await app.register(staff);
  };
}
