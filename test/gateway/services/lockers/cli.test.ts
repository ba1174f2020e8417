import { describe, expect, it } from 'vitest';
import { derivePickupCode } from '../../../../devices/locker/codes.ts';
import { verifyReturnQr } from '../../../../devices/locker/return-qr.ts';
import { cleanEnv, runCli } from '../../../helpers/cli.ts';

describe('storegate locker CLI', () => {
  it('makes a return QR the gateway accepts, and refuses to run without a key', async () => {
    const r = await runCli(['locker', 'qr', '--order', 'o-1', '--item', 'sku-1', '--reason', 'wrong_size', '--size', 'S', '--secret', 'cli-key-123456'], {
      env: cleanEnv(),
    });
    expect(r.code).toBe(0);
    const check = verifyReturnQr(r.stdout.trim(), { hmacKey: 'cli-key-123456' }, Date.now());
    expect(check).toMatchObject({ ok: true, payload: { oid: 'o-1', item: 'sku-1', reason: 'wrong_size', size: 'S' } });
    const none = await runCli(['locker', 'qr', '--order', 'o-1', '--item', 'sku-1'], { env: cleanEnv() });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/exactly one of --secret or --ed25519-key/);
  });

  it('derives the pickup code the cloud would send', async () => {
    const r = await runCli(['locker', 'code', '--key', 'k', '--order', 'o-1', '--nonce', 'n'], { env: cleanEnv() });
    expect(r.stdout.trim()).toBe(derivePickupCode('k', 'o-1', 'n'));
  });
});
