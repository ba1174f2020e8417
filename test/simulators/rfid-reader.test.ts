import { describe, expect, it, onTestFinished } from 'vitest';
import { createMirrorSim } from '../../simulators/smart-mirror.ts';
import { cleanEnv, runCli } from '../helpers/cli.ts';
import { addDevice, startGateway } from '../helpers/gateway.ts';
import { mqttUrlOf } from './helpers.ts';

describe('`storegate simulate rfid`', () => {
  it('carries a tagged item into the fitting room: the mirror shows it in its size, and it ends when it leaves; a wrong secret is refused', async () => {
    const gw = await startGateway({ overrides: { 'fitting.rfid': { tagTimeoutSeconds: 0.5 } } });
    const mirror = createMirrorSim({
      url: mqttUrlOf(gw),
      storeId: gw.config.storeId,
      deviceId: 'mirror-1',
      secret: await addDevice(gw, 'mirror-1', 'mirror', 'fitting-1'),
    });
    await mirror.connect();
    onTestFinished(() => mirror.disconnect());
    const secret = await addDevice(gw, 'reader-1', 'rfid-reader', 'fitting-1');
    const args = ['simulate', 'rfid', '--id', 'reader-1', '--url', mqttUrlOf(gw), '--store', gw.config.storeId, '--items', 'SG-0301:S', '--carry', '1'];
    const run = runCli([...args, '--stay', '1', '--wire', 'impinj', '--secret', secret], { env: cleanEnv(), timeoutMs: 60_000 });
    expect(await mirror.nextCommand('recognised', (c) => c.via === 'tag', 30_000)).toMatchObject({ item: { sku: 'SG-0301' }, size: 'S' });
    expect(await mirror.nextCommand('item_ended', () => true, 30_000)).toMatchObject({ sku: 'SG-0301', size: 'S', reason: 'not_read' });
    const ok = await run;
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/in: {2}SG-0301 Wrap midi dress size S \(EPC 3034[0-9A-F]{20}\)/);
    expect(ok.stdout).toMatch(/out: SG-0301 size S/);
    const refused = await runCli([...args, '--secret', 'not-the-secret-0123'], { env: cleanEnv(), timeoutMs: 30_000 });
    expect(refused.code).not.toBe(0);
  });
});
