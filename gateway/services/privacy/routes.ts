import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import type { Auth } from '../../http/auth.ts';
import { PSEUDONYM_PATTERN } from './shoppers.ts';

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
const Export = Type.Object({
  shopperId: Type.String(),
  exportedAt: Type.String(),
  rows: Type.Integer(),
  tables: Type.Record(Type.String(), Type.Array(Type.Record(Type.String(), Type.Unknown()))),
});
const Erased = Type.Object({ shopperId: Type.String(), rows: Type.Integer(), erased: Counts, eventId: Type.String(), forwarded: Type.Boolean() });

/** Admin routes: the retention job's report, and a shopper's data export and erasure. */
export function privacyRoutes(deps: {
  auth: Auth;
  retention: () => Promise<Static<typeof Retention>>;
  runRetention: () => Promise<Static<typeof Run>>;
  exportShopper: (id: string) => Promise<Static<typeof Export>>;
  eraseShopper: (id: string) => Promise<Static<typeof Erased>>;
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
      (req) => deps.exportShopper(req.params.pseudonym),
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
      (req) => deps.eraseShopper(req.params.pseudonym),
    );
  };
}
