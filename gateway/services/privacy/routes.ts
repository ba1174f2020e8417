import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import type { Auth } from '../../http/auth.ts';
import { Errors } from '../../errors.ts';
import { APP_ID_PATTERN, type Handle, ORDER_ID_PATTERN, PSEUDONYM_PATTERN } from './handles.ts';

const Params = Type.Object({ pseudonym: Type.String({ pattern: PSEUDONYM_PATTERN, description: 'shopper pseudonym, `sh_` + hex' }) });
const Counts = Type.Record(Type.String(), Type.Integer());
const Run = Type.Object(
  {
    startedAt: Type.String(),
    finishedAt: Type.String(),
    deleted: Counts,
    cutoffs: Type.Record(Type.String(), Type.String()),
    skipped: Type.Record(Type.String(), Type.String()),
    statements: Type.Integer(),
    vacuum: Type.Object({
      autoVacuum: Type.String(),
      freelistBefore: Type.Integer(),
      freelistAfter: Type.Integer(),
      pagesFreed: Type.Integer(),
      steps: Type.Integer(),
    }),
  },
  { additionalProperties: true },
);
const Retention = Type.Object({
  lastRun: Type.Union([Run, Type.Null()]),
  nextRunAt: Type.Union([Type.String(), Type.Null()]),
  classes: Type.Array(Type.Object({ name: Type.String(), table: Type.String(), timeColumn: Type.String(), days: Type.Number(), owner: Type.String() })),
});
const SignedReceipt = Type.Object({
  receipt: Type.Object({
    receiptId: Type.String(),
    action: Type.String(),
    storeId: Type.String(),
    handle: Type.String(),
    handleDigest: Type.String(),
    at: Type.String(),
    counts: Counts,
    eventId: Type.Optional(Type.String()),
  }),
  algorithm: Type.Literal('Ed25519'),
  signature: Type.String(),
  keyId: Type.String(),
  publicKey: Type.String(),
});
const Export = Type.Object({
  handle: Type.String(),
  exportedAt: Type.String(),
  rows: Type.Integer(),
  found: Counts,
  tables: Type.Record(Type.String(), Type.Array(Type.Record(Type.String(), Type.Unknown()))),
  receipt: SignedReceipt,
});
const Erased = Type.Object({
  rows: Type.Integer(),
  /** rows erased per table */
  erased: Counts,
  /** … and per data class, as in the receipt */
  classes: Counts,
  eventId: Type.String(),
  forwarded: Type.Boolean(),
  receipt: SignedReceipt,
});
const Timeline = Type.Object({
  handle: Type.String(),
  moments: Type.Array(
    Type.Object({
      at: Type.String(),
      kind: Type.String(),
      what: Type.String(),
      shopperId: Type.Optional(Type.String()),
      zone: Type.Optional(Type.String()),
      ref: Type.Optional(Type.String()),
      session: Type.Optional(Type.String({ description: 'the store visit a locker pickup or return made with the app joined' })),
    }),
  ),
});
const HandleBody = Type.Object(
  {
    appId: Type.Optional(
      Type.String({ pattern: APP_ID_PATTERN, description: 'the store app id the app shows: `<major>-<minor>` or a 12-hex Eddystone instance' }),
    ),
    orderId: Type.Optional(Type.String({ pattern: ORDER_ID_PATTERN, description: 'an order id from the shopper’s receipt' })),
    pseudonym: Type.Optional(Type.String({ pattern: PSEUDONYM_PATTERN, description: 'shopper pseudonym, `sh_` + hex' })),
  },
  { additionalProperties: false },
);
const handleOf = (b: Static<typeof HandleBody>): Handle => {
  const given = [b.appId, b.orderId, b.pseudonym].filter((x) => x !== undefined);
  if (given.length !== 1) throw new Errors.invalid('name exactly one of appId, orderId, pseudonym');
  if (b.appId !== undefined) return { appId: b.appId };
  if (b.orderId !== undefined) return { orderId: b.orderId };
  return { pseudonym: b.pseudonym as string };
};

/** Admin routes: the retention job's report, and a shopper's data export and erasure. */
export function privacyRoutes(deps: {
  auth: Auth;
  retention: () => Promise<Static<typeof Retention>>;
  runRetention: () => Promise<Static<typeof Run>>;
  exportShopper: (h: Handle) => Promise<Static<typeof Export>>;
  eraseShopper: (h: Handle) => Promise<Static<typeof Erased>>;
  timeline: (h: Handle) => Promise<Static<typeof Timeline>>;
  receiptKey: () => { algorithm: 'Ed25519'; keyId: string; publicKey: string };
}): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', deps.auth.requireAdmin);
    const common = { tags: ['privacy'], security: [{ bearer: [] }] };
    app.get('/api/v1/privacy/retention', { schema: { ...common, summary: 'the retention classes and the last run', response: { 200: Retention } } }, () =>
      deps.retention(),
    );
    app.post('/api/v1/privacy/retention/run', { schema: { ...common, summary: 'run the retention job now', response: { 200: Run } } }, () =>
      deps.runRetention(),
    );
    app.get(
      '/api/v1/privacy/shoppers/:pseudonym',
      { schema: { ...common, summary: 'everything held about a shopper (GDPR access)', params: Params, response: { 200: Export } } },
      (req) => deps.exportShopper({ pseudonym: req.params.pseudonym }),
    );
    app.delete(
      '/api/v1/privacy/shoppers/:pseudonym',
      {
        schema: {
          ...common,
          summary: 'erase a shopper everywhere (queued cloud events included) and tell the cloud (GDPR erasure)',
          params: Params,
          response: { 200: Erased },
        },
      },
      (req) => deps.eraseShopper({ pseudonym: req.params.pseudonym }),
    );
    app.post(
      '/api/v1/privacy/export',
      {
        schema: {
          ...common,
          summary: 'everything held about a shopper, by app id, order id or pseudonym, with a signed receipt (GDPR access)',
          body: HandleBody,
          response: { 200: Export },
        },
      },
      (req) => deps.exportShopper(handleOf(req.body)),
    );
    app.post(
      '/api/v1/privacy/erase',
      {
        schema: {
          ...common,
          summary: 'erase a shopper everywhere by app id, order id or pseudonym, tell the cloud, answer a signed receipt (GDPR erasure)',
          body: HandleBody,
          response: { 200: Erased },
        },
      },
      (req) => deps.eraseShopper(handleOf(req.body)),
    );
    app.post(
      '/api/v1/privacy/timeline',
      {
        schema: {
          ...common,
          summary: 'one shopper’s moments in the store (presence, fitting room, lockers), pseudonymous, oldest first',
          body: HandleBody,
          response: { 200: Timeline },
        },
      },
      (req) => deps.timeline(handleOf(req.body)),
    );
    app.get(
      '/api/v1/privacy/receipt-key',
      {
        schema: {
          ...common,
          summary: 'the public key receipts are signed with',
          response: { 200: Type.Object({ algorithm: Type.Literal('Ed25519'), keyId: Type.String(), publicKey: Type.String() }) },
        },
      },
      () => deps.receiptKey(),
    );
  };
}
