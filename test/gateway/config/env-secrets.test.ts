import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_KEYS, envName } from '../../../gateway/config/env.ts';
import { type ConfigError, loadConfigWithSources } from '../../../gateway/config/load.ts';
import { MASK, secretPaths } from '../../../gateway/config/secrets.ts';
import { cleanEnv, runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/gateway.ts';

// a config with one item per list that holds secrets, so item secrets have somewhere to go
const FILE_CONFIG = {
  cloud: { forwarders: [{ name: 'events-api', kind: 'http', url: 'https://cloud.example/events' }] },
  devices: [{ id: 'lk-01', kind: 'locker' }],
  mqtt: { external: { url: 'mqtt://broker.example:1883' } },
  http: { apiTokens: [{ name: 'pos', token: 'file-token-of-the-pos-0123456789', roles: ['fulfilment'] }] },
  downlink: { http: { url: 'https://cloud.example/downlink' } },
  lockers: { couriers: [{ id: 'dhl', code: '12345678' }] },
};
const ITEM_ENV: Record<string, string> = {
  'cloud.forwarders[].token': `STOREGATE_CLOUD_${envName('events-api')}_TOKEN`,
  'cloud.forwarders[].password': `STOREGATE_CLOUD_${envName('events-api')}_PASSWORD`,
  'devices[].secret': `STOREGATE_DEVICE_${envName('lk-01')}_SECRET`,
  'http.apiTokens[].token': `STOREGATE_API_${envName('pos')}_TOKEN`,
  'lockers.couriers[].code': `STOREGATE_COURIER_${envName('dhl')}_CODE`,
};
const envFor = (path: string) => ITEM_ENV[path] ?? Object.entries(ENV_KEYS).find(([, p]) => p === path)?.[0];
const configPath = (path: string) => path.replace('[]', '.0');
const get = (obj: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);

function configFile() {
  const dir = tempDir();
  const file = join(dir, 'storegate.json');
  writeFileSync(file, JSON.stringify(FILE_CONFIG));
  return { dir, file };
}

describe('every secret from the environment and from a file', () => {
  it('each x-secret path has an env name', () => {
    const missing = secretPaths().filter((p) => !envFor(p));
    expect(missing).toEqual([]);
  });

  it.each(secretPaths())('%s: from NAME and from NAME_FILE (the file content without its final newline)', (path) => {
    const name = envFor(path) as string;
    const { dir, file } = configFile();
    // a courier code must be 8-12 digits to load
    const digits = path === 'lockers.couriers[].code';
    const direct = digits ? '901234567' : `canary-env-${path}-0123456789abcdef0123456789`;
    const fromEnv = loadConfigWithSources({ file, env: { [name]: direct } });
    expect(get(fromEnv.config, configPath(path))).toBe(direct);
    expect(fromEnv.sources.find((s) => s.key === configPath(path))).toEqual({ key: configPath(path), source: `env ${name}`, shown: MASK });

    const secretFile = join(dir, 'secret');
    const inFile = digits ? '9876543210' : `canary-file-${path}-0123456789abcdef0123456789`;
    writeFileSync(secretFile, `${inFile}\n`, { mode: 0o600 });
    const fromFile = loadConfigWithSources({ file, env: { [`${name}_FILE`]: secretFile } });
    expect(get(fromFile.config, configPath(path))).toBe(inFile);
    expect(fromFile.sources.find((s) => s.key === configPath(path))?.source).toBe(`env ${name}_FILE=${secretFile}`);
  });

  it('refuses both NAME and NAME_FILE, an unreadable file, and a secret for an item the config does not have', () => {
    const { file } = configFile();
    let problems: string[] = [];
    try {
      loadConfigWithSources({
        file,
        env: {
          STOREGATE_ADMIN_TOKEN: 'a',
          STOREGATE_ADMIN_TOKEN_FILE: file,
          STOREGATE_STAFF_TOKEN_FILE: '/nonexistent/staff',
          STOREGATE_CLOUD_NOPE_TOKEN: 'x',
        },
      });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([
      'STOREGATE_ADMIN_TOKEN and STOREGATE_ADMIN_TOKEN_FILE are both set: set one',
      'STOREGATE_STAFF_TOKEN_FILE: cannot read /nonexistent/staff (ENOENT)',
      'STOREGATE_CLOUD_NOPE_TOKEN: no cloud.forwarders entry with name "nope" in the config',
    ]);
  });
});

describe('storegate config check: where each value came from', () => {
  it('names the file, the env variable or the secret file of every value that is not a default, secrets masked', async () => {
    const { dir, file } = configFile();
    const tokenFile = join(dir, 'cloud-token');
    writeFileSync(tokenFile, 'cloud-token-canary-7f3a\n');
    const r = await runCli(['config', 'check', '--config', file], {
      env: cleanEnv({ STOREGATE_HTTP_PORT: '8181', STOREGATE_ADMIN_TOKEN: 'admin-canary-91c2', STOREGATE_CLOUD_EVENTS_API_TOKEN_FILE: tokenFile }),
    });
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n');
    const line = (key: string) =>
      lines
        .find((l) => l.trim().startsWith(`${key} `))
        ?.trim()
        .split(/\s{2,}/);
    expect(line('http.port')).toEqual(['http.port', '8181', 'env STOREGATE_HTTP_PORT']);
    expect(line('http.adminToken')).toEqual(['http.adminToken', `"${MASK}"`, 'env STOREGATE_ADMIN_TOKEN']);
    expect(line('cloud.forwarders.0.token')).toEqual(['cloud.forwarders.0.token', `"${MASK}"`, `env STOREGATE_CLOUD_EVENTS_API_TOKEN_FILE=${tokenFile}`]);
    expect(line('cloud.forwarders')).toEqual(['cloud.forwarders', '[1 item]', `file ${file}`]);
    expect(r.stdout + r.stderr).not.toMatch(/canary/);
    expect(JSON.parse(r.stdout).cloud.forwarders[0].token).toBe(MASK);
  });
});
