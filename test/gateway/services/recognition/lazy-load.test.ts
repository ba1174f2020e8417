import { describe, expect, it } from 'vitest';
import { STAFF_TOKEN, startGateway } from '../../../helpers/gateway.ts';
import { cameraJpeg, loadT10kSubset } from './fixtures.ts';

const loadedLines = (gw: Awaited<ReturnType<typeof startGateway>>) => gw.logs.parsed().filter((l) => l.msg === 'recognition model loaded');

describe('recognition loads what a store uses', () => {
  it('without a mirror: ready without the model, which loads with the first frame and answers it', async () => {
    const gw = await startGateway();
    expect((await gw.http.inject({ url: '/readyz' })).json().checks.recognition).toBe(true);
    expect(loadedLines(gw)).toHaveLength(0);
    expect(gw.logs.parsed().some((l) => l.msg === 'no mirror registered: the model loads with the first frame')).toBe(true);

    const frame = await cameraJpeg(loadT10kSubset().images[0]!, 9);
    const res = await gw.http.inject({
      method: 'POST',
      url: '/api/v1/recognition',
      payload: frame,
      headers: { 'content-type': 'image/jpeg', authorization: `Bearer ${STAFF_TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ label: 'Ankle boot', unsure: false });
    expect(loadedLines(gw)).toHaveLength(1);
  });

  it('with a mirror registered: the model is loaded at start', async () => {
    const gw = await startGateway({ overrides: { devices: [{ id: 'mr-lazy', kind: 'mirror', zone: 'fitting' }] } });
    expect(loadedLines(gw)).toHaveLength(1);
  });

  it('recognition.load: start loads it at start without a mirror', async () => {
    const gw = await startGateway({ overrides: { 'recognition.load': 'start' } });
    expect(loadedLines(gw)).toHaveLength(1);
  });
});
