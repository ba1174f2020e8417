import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startGateway } from '../helpers/gateway.ts';

/**
 * Found by the HTTP fuzz. Fastify's ajv (coerceTypes) turns the query string "1e309" into Infinity, and
 * Infinity passes `Type.Integer({ minimum: 1, maximum: 1000 })`; SQLite then refuses `LIMIT Infinity`
 * (SQLITE_MISMATCH) and the route answers 500 instead of 400. Fails until gateway/http validates it.
 */
describe('an integer query parameter that overflows to Infinity', () => {
  it.each(['/api/v1/alerts', '/api/v1/lockers/audit', '/api/v1/outbox/dead-letters'])('is a 400 on %s, not a 500', async (route) => {
    const gw = await startGateway();
    for (const limit of ['1e309', '-1e309', 'Infinity']) {
      const res = await gw.http.inject({ method: 'GET', url: `${route}?limit=${limit}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(res.statusCode, `${route}?limit=${limit}`).toBe(400);
    }
  });
});
