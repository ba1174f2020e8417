import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { secretMatchesPlain } from '../../broker/secrets.ts';
import { Errors } from '../../errors.ts';
import type { App } from '../../http/server.ts';
import type { Ctx } from './context.ts';
import { answerOffer, conversion, type IncentivePicker, incentiveRules, redeemOffer } from './incentives.ts';
import { returnAtDesk } from './returns.ts';

const tags = ['lockers'];
const security = [{ bearer: [] }];
const OfferParam = Type.Object({ offerId: Type.String({ minLength: 1, maxLength: 64 }) });

/** Staff routes for returns at the service desk and offer answers; registered inside the staff-only lockers API. */
export function returnRoutes(app: App, ctx: Ctx, picker: IncentivePicker, actor: (req: FastifyRequest) => string) {
  app.post(
    '/api/v1/lockers/returns/desk',
    {
      schema: {
        tags,
        security,
        description: 'A return QR shown at the service desk: checked offline like at the locker; says keep it or take it, and the offer to read out.',
        body: Type.Object({ qr: Type.String({ minLength: 1, maxLength: 2048 }) }, { additionalProperties: false }),
      },
    },
    async (req) => returnAtDesk(ctx, req.body.qr, picker, actor(req)),
  );
  for (const answer of ['accept', 'decline'] as const)
    app.post(`/api/v1/lockers/incentives/:offerId/${answer}`, { schema: { tags, security, params: OfferParam } }, async (req) =>
      ctx.work(async (tx, fx) => {
        const r = await answerOffer(ctx, tx, fx, null, req.params.offerId, answer);
        await fx.audit(actor(req), `offer:${answer}`, null, req.params.offerId);
        return r;
      }),
    );
  app.get(
    '/api/v1/lockers/incentives/conversion',
    {
      schema: {
        tags,
        security,
        description: 'Per offer: shown, accepted, declined, redeemed, and the rates over shown',
        response: {
          200: Type.Object({
            offers: Type.Array(
              Type.Object({
                offer: Type.String(),
                text: Type.Union([Type.String(), Type.Null()]),
                shown: Type.Integer(),
                accepted: Type.Integer(),
                declined: Type.Integer(),
                redeemed: Type.Integer(),
                acceptedRate: Type.Number(),
                redeemedRate: Type.Number(),
              }),
            ),
          }),
        },
      },
    },
    async () => ({ offers: await conversion(ctx.deps.db, incentiveRules(ctx.cfg.returns)) }),
  );
}

/**
 * The POS (till) reports that a shopper used an offer: `lockers.posToken` (its own integration token, good for this
 * route only) or the admin token. Idempotent. The cloud's reports arrive on the bus as `incentive.redeemed`.
 */
export function posRoutes(ctx: Ctx): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', async (req) => {
      const h = req.headers.authorization;
      const token = h?.startsWith('Bearer ') ? h.slice(7).trim() : '';
      const pos = ctx.cfg.posToken;
      if (token && pos && secretMatchesPlain(token, pos)) return;
      if (ctx.deps.auth.roleOf(req) === 'admin') return;
      if (ctx.deps.auth.roleOf(req) === 'staff') throw new Errors.forbidden('the POS token is required to report a redemption');
      throw new Errors.unauthorized();
    });
    app.post(
      '/api/v1/lockers/incentives/redeemed',
      {
        schema: {
          tags,
          security,
          description: 'The POS reports an offer redeemed (POS token)',
          body: Type.Object(
            { offerId: Type.String({ minLength: 1, maxLength: 64 }), redeemedAt: Type.Optional(Type.String({ format: 'date-time' })) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ offerId: Type.String(), status: Type.String(), redeemedVia: Type.Union([Type.String(), Type.Null()]), already: Type.Boolean() }),
          },
        },
      },
      async (req) => {
        const at = req.body.redeemedAt ? Date.parse(req.body.redeemedAt) : ctx.now();
        return ctx.work((tx, fx) => redeemOffer(ctx, tx, fx, req.body.offerId, at, 'pos'));
      },
    );
  };
}
