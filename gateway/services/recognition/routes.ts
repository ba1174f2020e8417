import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { preHandlerAsyncHookHandler } from 'fastify';
import Type from 'typebox';
import type { RecognitionService } from './service.ts';

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream'];

const Score = Type.Object({ label: Type.String(), confidence: Type.Number() });
const Candidate = Type.Object({
  sku: Type.String(),
  name: Type.String(),
  colour: Type.String(),
  inStock: Type.Array(Type.String()),
  similarity: Type.Optional(Type.Number()),
});
const Result = Type.Object({
  label: Type.String(),
  classIndex: Type.Integer(),
  confidence: Type.Number(),
  top: Type.Array(Score),
  unsure: Type.Boolean(),
  modelId: Type.String(),
  modelSha256: Type.String(),
  modelVersion: Type.Union([Type.String(), Type.Null()]),
  latencyMs: Type.Number(),
  products: Type.Array(Candidate),
  embedding: Type.Optional(Type.Array(Type.Number())),
});

/**
 * POST a frame's bytes (image/jpeg, image/png, image/webp) and get the category back. The body is handed to
 * the service as a Buffer and dropped with the request: nothing is stored. `guard` is the route's auth hook.
 */
export function recognitionRoutes(deps: { recognition: RecognitionService; guard: preHandlerAsyncHookHandler; maxBytes: number }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', deps.guard);
    // plugin-scoped: image bodies only reach these routes, capped at the service's own limit
    app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer', bodyLimit: deps.maxBytes }, (_req, body, done) => done(null, body));

    app.post(
      '/api/v1/recognition',
      {
        schema: {
          tags: ['recognition'],
          summary: 'Recognise the product category in one camera frame',
          security: [{ bearer: [] }],
          querystring: Type.Object({ embedding: Type.Optional(Type.Boolean()) }),
          response: { 200: Result },
        },
      },
      async (req) => {
        // no body (so no content type) reaches the service as an empty frame, which it refuses as `empty`
        const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        return deps.recognition.recognise(bytes, { embedding: req.query.embedding === true });
      },
    );

    app.get('/api/v1/recognition/status', { schema: { tags: ['recognition'], security: [{ bearer: [] }] } }, async () => deps.recognition.status());
  };
}
