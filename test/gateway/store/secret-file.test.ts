import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOrCreateSecretFile } from '../../../gateway/store/secret-file.ts';
import { startGateway, tempDir } from '../../helpers/gateway.ts';

describe('readOrCreateSecretFile', () => {
  it('generates a random secret of the asked size into a new owner-only file, then reads the same one back', () => {
    const file = join(tempDir(), 'nested', 'admin-token');
    const first = readOrCreateSecretFile(file, { bytes: 24 });
    expect(first.generated).toBe(true);
    expect(Buffer.from(first.value, 'base64url')).toHaveLength(24);
    expect(readFileSync(file, 'utf8')).toBe(`${first.value}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const again = readOrCreateSecretFile(file, { bytes: 24 });
    expect(again).toEqual({ value: first.value, generated: false });
    expect(readOrCreateSecretFile(join(tempDir(), 'other'), { bytes: 24 }).value).not.toBe(first.value);
  });

  it('keeps a secret someone put in the file, trimmed, and never rewrites it', () => {
    const file = join(tempDir(), 'locker-code-key');
    writeFileSync(file, '  operator-chosen-key \n', { mode: 0o640 });
    expect(readOrCreateSecretFile(file, { bytes: 32 })).toEqual({ value: 'operator-chosen-key', generated: false });
    expect(readFileSync(file, 'utf8')).toBe('  operator-chosen-key \n');
  });

  it('replaces an empty file with a new secret instead of using an empty one', () => {
    const file = join(tempDir(), 'pseudonym-key');
    writeFileSync(file, '\n');
    const r = readOrCreateSecretFile(file, { bytes: 32 });
    expect(r.generated).toBe(true);
    expect(r.value).toHaveLength(43);
    expect(readFileSync(file, 'utf8').trim()).toBe(r.value);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe("the gateway's secret files", () => {
  it('generates the admin token, locker code key and pseudonym key into the data dir, owner-only, and keeps them across restarts', async () => {
    const dataDir = tempDir();
    const names = ['admin-token', 'locker-code-key', 'pseudonym-key'];
    const first = await startGateway({ dataDir, overrides: { 'http.adminToken': undefined }, keep: true });
    expect(first.adminToken.generated).toBe(true);
    await first.stopGateway();
    const contents = names.map((n) => readFileSync(join(dataDir, n), 'utf8'));
    for (const n of names) expect(statSync(join(dataDir, n)).mode & 0o777, n).toBe(0o600);
    expect(contents[0]).toBe(`${first.adminToken.token}\n`);

    const second = await startGateway({ dataDir, overrides: { 'http.adminToken': undefined } });
    expect(second.adminToken).toMatchObject({ token: first.adminToken.token, generated: false });
    expect(names.map((n) => readFileSync(join(dataDir, n), 'utf8'))).toEqual(contents);
  });
});
