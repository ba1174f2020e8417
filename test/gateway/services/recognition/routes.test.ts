import Fastify from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recognitionRoutes } from '../../../../gateway/services/recognition/routes.ts';
import { createRecognitionService } from '../../../../gateway/services/recognition/service.ts';
import { cameraJpeg, loadT10kSubset } from './fixtures.ts';

describe('recognition over HTTP', () => {
  const recognition = createRecognitionService({ log: pino({ level: 'silent' }), metrics: new Registry() });
  const app = Fastify();
  beforeAll(async () => {
    await recognition.start();
    const guard = async (req: { headers: Record<string, unknown> }) => {
      if (req.headers.authorization !== 'Bearer staff') throw Object.assign(new Error('missing or invalid token'), { statusCode: 401 });
    };
    await app.register(recognitionRoutes({ recognition, guard, maxBytes: 2 * 1024 * 1024 }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await recognition.stop();
  });

  it('answers a posted JPEG frame with its category and products', async () => {
    const frame = await cameraJpeg(loadT10kSubset().images[0]!, 9);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/recognition',
      payload: frame,
      headers: { 'content-type': 'image/jpeg', authorization: 'Bearer staff' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ label: 'Ankle boot', unsure: false, modelId: recognition.status().modelId });
    expect(res.json().embedding).toBeUndefined();
  });

  it('answers a text body posted as image/jpeg with 400 SG_IMAGE_INVALID', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/recognition',
      payload: 'hello',
      headers: { 'content-type': 'image/jpeg', authorization: 'Bearer staff' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('SG_IMAGE_INVALID');
  });

  it('refuses a frame without a token', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/recognition', payload: Buffer.from([1]), headers: { 'content-type': 'image/jpeg' } });
    expect(res.statusCode).toBe(401);
  });
});
