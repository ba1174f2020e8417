import { describe, expect, it } from 'vitest';
import { connectMqtt } from '../../../helpers/gateway.ts';
import { fittingRig, frameOf, ITEMS, postFrame } from './helpers.ts';

describe('bad frames from mirrors', () => {
  it('answers a garbage frame over MQTT with a clear error and keeps serving', async () => {
    const { mirror } = await fittingRig();
    await mirror.sendFrame(Buffer.from('definitely not a jpeg, just some bytes'.repeat(10)));
    const err = await mirror.nextCommand('error');
    expect(err.reason).toMatch(/not_an_image|unsupported_format|corrupt/);
    await mirror.sendFrame(await frameOf(ITEMS.trouser));
    expect(await mirror.nextCommand('recognised')).toMatchObject({ label: 'Trouser' });
  });

  it('refuses a 20 MB frame over MQTT as too large (told on the cmd topic) and keeps serving', async () => {
    const { mirror } = await fittingRig();
    await mirror.sendFrame(Buffer.alloc(20 * 1024 * 1024, 0xff));
    expect(await mirror.nextCommand('rejected')).toMatchObject({ reason: 'too_large' });
    await mirror.sendFrame(await frameOf(ITEMS.bag));
    expect(await mirror.nextCommand('recognised')).toMatchObject({ label: 'Bag' });
  });

  it('does not let an unregistered mirror connect', async () => {
    const { gw } = await fittingRig();
    await expect(connectMqtt(gw.ports.mqtt, { username: 'mirror-x', password: 'guess' })).rejects.toThrow();
  });

  it('answers frames over HTTP like MQTT, and refuses unregistered mirrors, wrong secrets, garbage and 20 MB', async () => {
    const { gw, secret } = await fittingRig();
    const ok = await postFrame(gw, 'mirror-1', secret, await frameOf(ITEMS.ankleBoot));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ type: 'recognised', label: 'Ankle boot', item: { category: 'Ankle boot' } });

    expect((await postFrame(gw, 'mirror-404', secret, await frameOf(ITEMS.dress))).status).toBe(401);
    expect((await postFrame(gw, 'mirror-1', 'wrong-secret', await frameOf(ITEMS.dress))).status).toBe(401);
    expect((await postFrame(gw, 'mirror-1', null, await frameOf(ITEMS.dress))).status).toBe(401);

    const garbage = await postFrame(gw, 'mirror-1', secret, Buffer.from('garbage'.repeat(50)));
    expect(garbage.status).toBe(400);
    expect(garbage.body).toMatchObject({ type: 'error', reason: expect.stringMatching(/not_an_image|unsupported_format|corrupt/) });

    const huge = await postFrame(gw, 'mirror-1', secret, Buffer.alloc(20 * 1024 * 1024, 1));
    expect(huge.status).toBe(413);

    const again = await postFrame(gw, 'mirror-1', secret, await frameOf(ITEMS.trouser));
    expect(again.body).toMatchObject({ type: 'recognised', label: 'Trouser' });
  });
});
