import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startGateway } from '../helpers/gateway.ts';

/**
 * Found by the HTTP fuzz: with no body (so no content type), `req.body` is undefined, routes.ts hands it to
 * recognise(), and preprocess.ts's decodeGrey reads `bytes.length` → TypeError → 500. Fails until the route
 * or decodeGrey treats a missing body as `empty` (400).
 */
describe('a recognition request without a body', () => {
  it('is refused as an empty image (400), not a 500', async (ctx) => {
    const gw = await startGateway();
    const routes = gw.http.printRoutes();
    if (!routes.includes('recognition')) ctx.skip();
    const res = await gw.http.inject({ method: 'POST', url: '/api/v1/recognition', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.statusCode).toBe(400);
  });
});
