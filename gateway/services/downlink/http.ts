import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { Errors } from '../../errors.ts';
import type { Auth } from '../../http/auth.ts';
import type { LiveCatalog } from '../../live-catalog.ts';
import type { Db } from '../../store/db.ts';

const tags = ['downlink'];
const security = [{ bearer: [] }];

/** Admin: the downlink's state (positions, gaps, stock age) and its audit; staff: an item's stock now. */
export function downlinkHttp(deps: { auth: Auth; db: Db; catalog: LiveCatalog; status: () => unknown }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/v1/downlink',
      { onRequest: deps.auth.requireAdmin, schema: { tags, security, summary: 'Streams, positions, held messages, stock age, links' } },
      async () => deps.status(),
    );
    app.get(
      '/api/v1/downlink/audit',
      {
        onRequest: deps.auth.requireAdmin,
        schema: {
          tags,
          security,
          summary: 'Commands, config patches and refusals of signed messages, newest first',
          querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }),
        },
      },
      async (req) => ({
        items: await deps.db.all(
          'SELECT id, at, stream, sequence, type, key_id AS keyId, requested_by AS requestedBy, outcome, detail FROM downlink_audit ORDER BY rowid DESC LIMIT ?',
          [req.query.limit],
        ),
      }),
    );
    app.get(
      '/api/v1/catalog/products/:sku',
      {
        onRequest: deps.auth.requireStaff,
        schema: {
          tags,
          security,
          summary: "An item's catalog entry and stock per size, as they are now",
          params: Type.Object({ sku: Type.String({ minLength: 1, maxLength: 64 }) }),
        },
      },
      async (req) => {
        const p = deps.catalog.get(req.params.sku);
        if (!p) throw new Errors.notFound(`product ${req.params.sku}`);
        const { embedding: _e, ...rest } = p;
        return rest;
      },
    );
  };
}
