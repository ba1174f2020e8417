import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { MirrorCommand } from '../../../devices/smart-mirror/messages.ts';
import { MIRROR_KIND } from '../../../devices/smart-mirror/topics.ts';
import { Errors } from '../../errors.ts';
import type { Ctx } from './context.ts';
import { onFrame } from './mirror.ts';
import { mirrorPage } from './page.ts';
import { type SizeRequestRow, setRequestStatus } from './sessions.ts';
import { fittingStaffPage } from './staff-page.ts';

const tags = ['fitting'];
const security = [{ bearer: [] }];
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream'];
const SizeRequest = Type.Object({
  id: Type.String(),
  mirrorId: Type.String(),
  zone: Type.Union([Type.String(), Type.Null()]),
  productId: Type.String(),
  productName: Type.String(),
  size: Type.String(),
  status: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

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

export function fittingHttp(ctx: Ctx): FastifyPluginAsync {
  const view = (r: SizeRequestRow) => ({
    id: r.id,
    mirrorId: r.mirror_id,
    zone: r.zone,
    productId: r.sku,
    productName: ctx.catalog.products.find((p) => p.sku === r.sku)?.name ?? r.sku,
    size: r.size,
    status: r.status,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  });

  /** A mirror authenticates with its own device secret as a Bearer token. */
  const mirrorAuth = async (req: FastifyRequest) => {
    const { id } = req.params as { id: string };
    const h = req.headers.authorization;
    const secret = h?.startsWith('Bearer ') ? h.slice(7).trim() : '';
    if (!secret) throw new Errors.unauthorized();
    const r = await ctx.deps.registry.authenticate(id, secret);
    if (!r.ok) throw new Errors.unauthorized();
    if (r.device.kind !== MIRROR_KIND) throw new Errors.forbidden(`device ${id} is not a mirror`);
  };

  const mirrors: FastifyPluginAsync = async (app) => {
    app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer', bodyLimit: ctx.cfg.maxFrameBytes }, (_req, body, done) => done(null, body));
    app.post(
      '/api/v1/fitting/mirrors/:id/frames',
      {
        onRequest: mirrorAuth,
        bodyLimit: ctx.cfg.maxFrameBytes,
        schema: { tags, security, summary: 'A mirror posts one camera frame; the answer is the same as on its cmd topic', params: IdParam },
      },
      async (req, reply) => {
        const { id } = req.params as { id: string };
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        ctx.deps.bus.emit(
          ctx.deps.bus.make('fitting.frame.received', `storegate/${ctx.deps.storeId}/${MIRROR_KIND}/${id}`, { mirrorId: id, bytes: body.length }),
        );
        const cmd = await onFrame(ctx, id, body);
        return reply.status(statusOf(cmd)).send(cmd);
      },
    );
    // what the mirror page polls: the last answer and the session's size requests (product ids only, no shopper)
    app.get(
      '/api/v1/fitting/mirrors/:id/state',
      { schema: { tags, params: IdParam, summary: "The mirror's current answer (for the mirror page)" } },
      async (req) => {
        const { id } = req.params as { id: string };
        const requests = await ctx.deps.db.all<SizeRequestRow>(
          `SELECT r.* FROM fitting_size_requests r JOIN fitting_room_sessions s ON s.id = r.session_id
         WHERE r.mirror_id = ? AND s.ended_at IS NULL ORDER BY r.created_at`,
          [id],
        );
        return { mirrorId: id, answer: ctx.lastAnswer.get(id) ?? null, sizeRequests: requests.map(view) };
      },
    );
    // the page is public (it holds no data); everything it shows comes from the staff API with the staff token
    app.get('/staff/fitting-rooms', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(fittingStaffPage()));
    app.get('/mirror/:id', { schema: { hide: true, params: IdParam } }, async (req, reply) =>
      reply.type('text/html; charset=utf-8').send(mirrorPage((req.params as { id: string }).id)),
    );
  };

  const staff: FastifyPluginAsync = async (app) => {
    app.addHook('onRequest', ctx.deps.auth.requireStaff);
    app.get(
      '/api/v1/fitting/size-requests',
      {
        schema: {
          tags,
          security,
          querystring: Type.Object({ status: Type.Optional(Type.Union(['open', 'claimed', 'done', 'cancelled', 'pending'].map((s) => Type.Literal(s)))) }),
          response: { 200: Type.Object({ requests: Type.Array(SizeRequest) }) },
        },
      },
      async (req) => {
        const { status = 'pending' } = req.query as { status?: string };
        const rows =
          status === 'pending'
            ? await ctx.deps.db.all<SizeRequestRow>("SELECT * FROM fitting_size_requests WHERE status IN ('open', 'claimed') ORDER BY created_at, id")
            : await ctx.deps.db.all<SizeRequestRow>('SELECT * FROM fitting_size_requests WHERE status = ? ORDER BY created_at, id', [status]);
        return { requests: rows.map(view) };
      },
    );
    const transition = (to: 'claimed' | 'done', from: string[]) => async (req: FastifyRequest) => {
      const { id } = req.params as { id: string };
      return ctx.serial(() =>
        ctx.work(async (tx, fx) => {
          const r = await tx.get<SizeRequestRow>('SELECT * FROM fitting_size_requests WHERE id = ?', [id]);
          if (!r) throw new Errors.notFound(`size request ${id}`);
          if (!from.includes(r.status)) throw new Errors.conflict(`size request ${id} is ${r.status}`);
          await setRequestStatus(ctx, tx, fx, r, to);
          return view({ ...r, status: to, updated_at: ctx.now() });
        }),
      );
    };
    const opts = { schema: { tags, security, params: IdParam, response: { 200: SizeRequest } } };
    app.post('/api/v1/fitting/size-requests/:id/claim', opts, transition('claimed', ['open']));
    app.post('/api/v1/fitting/size-requests/:id/done', opts, transition('done', ['open', 'claimed']));
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
