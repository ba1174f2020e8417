import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../gateway/config/load.ts';
import { ConfigSchema } from '../../../gateway/config/schema.ts';
import { MASK, maskSecrets, secretPaths, secretValues } from '../../../gateway/config/secrets.ts';
import { createLogger, REDACT_PATHS } from '../../../gateway/log.ts';
import { CLI, cleanEnv, runCli } from '../../helpers/cli.ts';
import { logSink, tempDir, until } from '../../helpers/gateway.ts';

/**
 * The test's own walk, independent of gateway/config/secrets.ts: visit every node of the schema tree and turn
 * the schema path of each `x-secret` node into a config path. A keyword it does not know fails loudly, so a new
 * way of nesting cannot hide a secret from this test.
 */
function xSecretPaths(schema: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown, path: string[]) => {
    if (typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) throw new Error(`unexpected schema array at ${path.join('.')}`);
    const n = node as Record<string, unknown>;
    if (n['x-secret'] === true) found.push(path.join('.').replaceAll('.[]', '[]'));
    for (const [k, v] of Object.entries(n)) {
      if (k === 'properties') for (const [p, s] of Object.entries(v as object)) visit(s, [...path, p]);
      else if (k === 'patternProperties') for (const s of Object.values(v as object)) visit(s, [...path, '*']);
      else if (k === 'items') visit(v, [...path, '[]']);
      else if (k === 'anyOf' || k === 'oneOf' || k === 'allOf') for (const s of v as unknown[]) visit(s, path);
      else if (k === 'additionalProperties' || k === 'not' || k === 'prefixItems' || k === '$defs') {
        if (typeof v === 'object') throw new Error(`${k} at ${path.join('.')}: teach this walk about it`);
      } else if (typeof v === 'object' && v !== null && k !== 'default' && k !== 'required' && k !== 'enum' && k !== 'examples') {
        throw new Error(`unknown schema keyword ${k} at ${path.join('.')}`);
      }
    }
  };
  visit(schema, []);
  return found;
}

/** Every secret the issue names: the walk must find at least these. */
const EXPECTED = [
  'http.adminToken',
  'http.staffToken',
  'http.apiTokens[].token',
  'mqtt.external.password',
  'service.password',
  'homeAssistant.password',
  'cloud.forwarders[].token',
  'cloud.forwarders[].password',
  'devices[].secret',
  'presence.shopperApp.salt',
  'lockers.codeKey',
  'lockers.returns.hmacKey',
  'privacy.pseudonymKey',
  'downlink.mqtt.password',
  'downlink.http.token',
];

/** A valid config with at least one element in every array that holds a secret; canaries are added to it. */
const baseConfig = (dataDir: string) => ({
  storeId: 'canary-store',
  dataDir,
  // everything the gateway logs, including the effective config at debug
  log: { level: 'trace' },
  http: { host: '127.0.0.1', port: 0, apiTokens: [{ name: 'pos', token: 'placeholder', roles: ['fulfilment'] }] },
  mqtt: { host: '127.0.0.1', port: 0, wsPort: 0, external: { url: 'mqtt://127.0.0.1:9', username: 'gw' } },
  homeAssistant: { enabled: true },
  devices: [{ id: 'seeded-mirror', kind: 'mirror', zone: 'fitting-1' }],
  cloud: {
    forwarders: [
      { name: 'http-cloud', kind: 'http', url: 'http://127.0.0.1:9/events', timeoutSeconds: 1 },
      { name: 'mqtt-cloud', kind: 'mqtt', url: 'mqtt://127.0.0.1:9', username: 'gw', timeoutSeconds: 1 },
    ],
  },
  lockers: { banks: [{ id: 'bank-1', controllerId: 'lk-01', compartments: [{ id: 'c1', size: 'M' }] }], couriers: [{ id: 'dhl', code: '12345678' }] },
  presence: { shopperApp: {} },
  recognition: { enabled: false },
  // no keys: the downlink stays off, its secrets still have somewhere to go
  downlink: { mqtt: { url: 'mqtt://127.0.0.1:9' }, http: { url: 'http://127.0.0.1:9/downlink', timeoutSeconds: 1 } },
});

type Json = Record<string, unknown>;

/**
 * Puts a distinct canary at every place a secret path reaches in `config` (each array element), and returns
 * those places as dotted paths with indices. A path that reaches no place is returned with none, so the test
 * can say which base-config array needs an element.
 */
function plantCanaries(config: Json, paths: string[], run: string) {
  const planted = new Map<string, string>();
  const byPath = new Map<string, string[]>();
  const plant = (obj: Json, key: string, at: string[], path: string) => {
    // a keypad code must be digits (8-12) to load: a numeric canary, still distinct per place and per run
    const canary =
      key === 'code'
        ? `9${String(planted.size).padStart(2, '0')}${String(Number.parseInt(run.slice(0, 8), 16))
            .padStart(9, '0')
            .slice(-9)}`
        : `SGCANARY-${String(planted.size).padStart(2, '0')}-${run}`;
    obj[key] = canary;
    const where = [...at, key].join('.');
    planted.set(where, canary);
    byPath.get(path)?.push(where);
  };
  const place = (obj: unknown, segs: string[], at: string[], path: string): void => {
    const [seg, ...rest] = segs as [string, ...string[]];
    const o = obj as Json;
    if (seg === '*') {
      for (const k of Object.keys(o)) rest.length ? place(o[k], rest, [...at, k], path) : plant(o, k, at, path);
    } else if (seg.endsWith('[]')) {
      const arr = o[seg.slice(0, -2)];
      if (Array.isArray(arr)) {
        for (const [i, el] of arr.entries()) place(el, rest, [...at, seg.slice(0, -2), String(i)], path);
      }
    } else if (!rest.length) {
      plant(o, seg, at, path);
    } else {
      if (typeof o[seg] !== 'object' || o[seg] === null) o[seg] = {};
      place(o[seg], rest, [...at, seg], path);
    }
  };
  for (const p of paths) {
    byPath.set(p, []);
    place(config, p.split('.'), [], p);
  }
  return { planted, byPath };
}

const valueAt = (obj: unknown, dotted: string) => dotted.split('.').reduce<unknown>((cur, k) => (cur as Json | undefined)?.[k], obj);

/** The config file with a canary in every x-secret field, and what was planted where. */
function canaryConfig() {
  const dir = tempDir();
  const run = randomBytes(6).toString('hex');
  const config = baseConfig(join(dir, 'data')) as Json;
  const paths = xSecretPaths(ConfigSchema);
  const { planted, byPath } = plantCanaries(config, paths, run);
  const file = join(dir, 'canaries.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { dir, file, config, paths, planted, byPath, canaries: [...planted.values()] };
}

describe('the x-secret walk', () => {
  it('finds every secret of every service config, the same ones in the gateway and in this test', () => {
    const paths = xSecretPaths(ConfigSchema);
    expect(paths.length).toBeGreaterThanOrEqual(EXPECTED.length);
    expect(paths).toEqual(expect.arrayContaining(EXPECTED));
    expect([...secretPaths(ConfigSchema)].sort()).toEqual([...new Set(paths)].sort());
  });

  it('plants a canary in every secret field of a config that loads, one per array element', () => {
    const { file, byPath, planted } = canaryConfig();
    for (const [path, places] of byPath) expect(places, `no place for ${path}: give its array an element in baseConfig`).not.toHaveLength(0);
    const loaded = loadConfig({ file, env: {} });
    for (const [where, canary] of planted) expect(valueAt(loaded, where), where).toBe(canary);
    expect(new Set(secretValues(loaded))).toEqual(new Set(planted.values()));
  });

  it('masks by the schema annotation, not by the key name: through optional, arrays, records and unions', () => {
    const Hidden = Type.String({ 'x-secret': true });
    const schema = Type.Object({
      opaque: Type.Optional(Hidden),
      list: Type.Array(Type.Union([Type.Object({ x: Hidden, y: Type.String() }), Type.String()])),
      byName: Type.Record(Type.String(), Hidden),
      either: Type.Union([Type.Null(), Hidden]),
      url: Type.String(),
    });
    const value = { opaque: 'o-1', list: [{ x: 'x-1', y: 'plain' }, 'bare'], byName: { a: 'r-1' }, either: 'u-1', url: 'mqtt://gw:pw-1@broker:1883' };
    expect(maskSecrets(value, schema)).toEqual({
      opaque: MASK,
      list: [{ x: MASK, y: 'plain' }, 'bare'],
      byName: { a: MASK },
      either: MASK,
      url: `mqtt://gw:${MASK}@broker:1883`,
    });
    expect(new Set(secretValues(value, schema))).toEqual(new Set(['o-1', 'x-1', 'r-1', 'u-1', 'pw-1']));
  });

  it('redacts every secret key name in the log, wherever a config slice is logged with it', () => {
    const names = new Set(
      xSecretPaths(ConfigSchema).map(
        (p) =>
          p
            .split(/[.[\]]+/)
            .filter(Boolean)
            .at(-1) as string,
      ),
    );
    for (const n of names) expect(REDACT_PATHS).toEqual(expect.arrayContaining([n, `*.${n}`]));
  });
});

describe('the logger scrubs secret values', () => {
  it('writes no secret value, whatever key or message it is logged in; a short one only as a whole value', () => {
    const sink = logSink();
    const log = createLogger({ level: 'info', destination: sink.stream, secrets: ['long-secret-value-1', 'ab"c\\d-quoted-secret', 'pw'] });
    log
      .child({ module: 'x' })
      .warn({ err: 'auth refused for long-secret-value-1', detail: { nested: 'ab"c\\d-quoted-secret' }, short: 'pw', word: 'pwned' }, 'oops');
    const text = sink.lines.join('\n');
    expect(text).not.toContain('long-secret-value-1');
    expect(text).not.toContain('quoted-secret');
    const [line] = sink.parsed();
    expect(line).toMatchObject({ err: 'auth refused for [redacted]', detail: { nested: '[redacted]' }, short: '[redacted]', word: 'pwned', module: 'x' });
  });
});

describe('no x-secret value is printed', () => {
  it('by `storegate config check`: each one is masked where it sits', async () => {
    const { file, planted, canaries } = canaryConfig();
    const r = await runCli(['config', 'check', '--config', file], { env: cleanEnv() });
    expect(r.stderr).toContain('config ok');
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as Json;
    for (const where of planted.keys()) expect(valueAt(printed, where), where).toBe(MASK);
    for (const c of canaries) expect(`${r.stdout}\n${r.stderr}`).not.toContain(c);
  });

  it('by `storegate config check` refusing a secret that is invalid', async () => {
    const { dir, config } = canaryConfig();
    const tooShort = `SGC${randomBytes(2).toString('hex')}`; // 7 characters: lockers keys need 8
    (config.lockers as Json).codeKey = tooShort;
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(config));
    const r = await runCli(['config', 'check', '--config', file], { env: cleanEnv() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`lockers.codeKey: must not have fewer than 8 characters (got "${MASK}")`);
    expect(`${r.stdout}\n${r.stderr}`).not.toContain(tooShort);
  });

  it('by `storegate start`: the start-up log (at trace) holds the masked config and no secret, while the secrets work', async () => {
    const { file, config, planted, canaries } = canaryConfig();
    const secretAt = (where: string) => planted.get(where) as string;
    const child = spawn(process.execPath, [CLI, 'start', '--config', file], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const http = await until(() => /http:\/\/localhost:(\d+)\//.exec(out)?.[1], 45_000, 'the start line');
      const base = `http://127.0.0.1:${http}`;
      // the canaries are the gateway's live secrets, so their absence below is not an accident
      expect((await fetch(`${base}/api/v1/devices`, { headers: { authorization: `Bearer ${secretAt('http.adminToken')}` } })).status).toBe(200);
      expect((await fetch(`${base}/api/v1/lockers`, { headers: { authorization: `Bearer ${secretAt('http.staffToken')}` } })).status).toBe(200);
      expect((await fetch(`${base}/api/v1/devices`, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(existsSync(join(config.dataDir as string, 'admin-token'))).toBe(false);

    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Json);
    expect(lines.find((l) => l.msg === 'storegate started')).toBeDefined();
    expect(lines.find((l) => l.msg === 'storegate stopped')).toBeDefined();
    const effective = lines.find((l) => l.msg === 'effective config')?.config;
    expect(effective).toBeDefined();
    for (const where of planted.keys()) expect(valueAt(effective, where), where).toBe(MASK);
    for (const c of canaries) expect(out).not.toContain(c);
  }, 90_000);
});
