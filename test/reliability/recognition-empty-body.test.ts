import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startGateway } from '../helpers/gateway.ts';

/**
 * Found by the HTTP fuzz: with no body (so no content type), `req.body` is undefined, routes.ts hands it to
 * recognise(), and preprocess.ts's decodeGrey reads `bytes.length` → TypeError → 500. Fails until the route
 * or decodeGrey treats a missing body as `empty` (400). A gateway without the route fails, it is not skipped.
 */
describe('a recognition request without a body', () => {
  it('is refused as an empty image (400), not a 500', async () => {
    const gw = await startGateway();
    // the route is part of every gateway: a build without it fails here instead of skipping
    expect(gw.http.hasRoute({ method: 'POST', url: '/api/v1/recognition' })).toBe(true);
    const res = await gw.http.inject({ method: 'POST', url: '/api/v1/recognition', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'SG_IMAGE_INVALID', message: 'image rejected: empty body' });
  });
});
