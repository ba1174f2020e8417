import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../../gateway/services/recognition/index.ts';
import { ADMIN_TOKEN } from '../../../helpers/gateway.ts';
import { cleanEnv, runCli } from '../../../helpers/cli.ts';
import { announce, announcement, CENTROID, modelServer, pem, rolloutGateway, SHIPPED, signingKeys } from './rollout-helpers.ts';

describe('storegate model status|promote|rollback (the running gateway’s admin API)', () => {
  it('shows the slots, promotes the shadow and rolls it back; a wrong token is refused without printing it', async () => {
    const keys = signingKeys();
    const server = await modelServer({ '/c.onnx': CENTROID });
    const gw = await rolloutGateway({ publicKey: pem(keys.publicKey) });
    await announce(gw, announcement(keys.privateKey, server.url('/c.onnx'), CENTROID, 'v7'));
    const url = `http://127.0.0.1:${gw.ports.http}`;
    const env = cleanEnv({ STOREGATE_ADMIN_TOKEN: ADMIN_TOKEN });
    const model = (...args: string[]) => runCli(['model', ...args, '--url', url], { env });

    const status = await model('status', '--json');
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as { live: { sha256: string }; shadow: { sha256: string; version: string } };
    expect(s.live.sha256).toBe(sha256Hex(SHIPPED));
    expect(s.shadow).toMatchObject({ sha256: sha256Hex(CENTROID), version: 'v7' });

    const wrong = await model('promote', '--sha256', sha256Hex(SHIPPED));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('409');

    const promoted = await model('promote', '--sha256', sha256Hex(CENTROID));
    expect(promoted.code).toBe(0);
    expect(JSON.parse(promoted.stdout)).toMatchObject({ reason: 'command', by: 'admin-api', to: { version: 'v7' } });
    const human = await model('status');
    expect(human.stdout).toMatch(new RegExp(`^live\\s+product-cnn-${sha256Hex(CENTROID).slice(0, 12)}\\s+v7`, 'm'));
    expect(human.stdout).toMatch(/^previous\s+product-cnn-\w{12}\s+\(configured\)/m);
    expect(human.stdout).toMatch(/promoted\s+v7/);

    const back = await model('rollback');
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ to: { sha256: sha256Hex(SHIPPED) } });

    const denied = await runCli(['model', 'status', '--url', url], { env: cleanEnv({ STOREGATE_ADMIN_TOKEN: 'not-the-token-0123456789' }) });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('401');
    expect(denied.stderr + denied.stdout).not.toContain('not-the-token');
  }, 120_000); // six CLI processes, each starting Node, on a shared 2-core box
});
