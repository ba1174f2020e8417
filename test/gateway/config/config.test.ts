import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../gateway/config/load.ts';
import { maskSecrets } from '../../../gateway/config/secrets.ts';
import { cleanEnv, runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/gateway.ts';

describe('config', () => {
  it('works with no file at all: documented defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c.http.port).toBe(8080);
    expect(c.mqtt.port).toBe(1883);
    expect(c.mqtt.wsPort).toBe(8083);
    expect(c.dataDir).toBe('./data');
    expect(c.mqtt.mode).toBe('embedded');
    expect(c.mqtt.allowAnonymous).toBe(false);
    expect(Object.isFrozen(c.http)).toBe(true);
  });

  it('takes STOREGATE_* env over the file', () => {
    const dir = tempDir();
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'storeId: berlin-1\nhttp:\n  port: 9000\n');
    const c = loadConfig({ file, env: { STOREGATE_HTTP_PORT: '9100', STOREGATE_MQTT_WS_PORT: '9101', STOREGATE_SERVICE_USER: 'svc' } });
    expect(c.storeId).toBe('berlin-1');
    expect(c.http.port).toBe(9100);
    expect(c.mqtt.wsPort).toBe(9101);
    expect(c.service.username).toBe('svc');
  });

  it('lists every problem with the key it is about', () => {
    try {
      loadConfig({ env: {}, overrides: { 'http.port': 'eighty', 'mqtt.mode': 'external', colour: 'red' } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems).toContain('http.port: must be integer (got "eighty")');
      expect(problems).toContain('mqtt.external.url: required key is missing (mqtt.mode is "external")');
      expect(problems).toContain('colour: unknown key');
    }
  });

  it('masks secrets when printing', () => {
    const c = loadConfig({ env: { STOREGATE_ADMIN_TOKEN: 'super-secret-admin', STOREGATE_SERVICE_PASSWORD: 'pw-123' } });
    const text = JSON.stringify(maskSecrets(c));
    expect(text).not.toContain('super-secret-admin');
    expect(text).not.toContain('pw-123');
    expect(text).toContain('********');
  });
});

describe('storegate config check', () => {
  it('prints the effective config with secrets masked and exits 0', async () => {
    const r = await runCli(['config', 'check'], { env: cleanEnv({ STOREGATE_ADMIN_TOKEN: 'tok-should-not-print', STOREGATE_HTTP_PORT: '8181' }) });
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout);
    expect(printed.http.port).toBe(8181);
    expect(r.stdout).not.toContain('tok-should-not-print');
  });

  it('exits non-zero naming a missing required key', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'cloud:\n  forwarders:\n    - name: cloud\n      kind: http\n');
    const r = await runCli(['config', 'check', '--config', file], { env: cleanEnv() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('cloud.forwarders.0.url: required key is missing');
  });

  it('exits non-zero naming a key with the wrong type', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ mqtt: { port: 'not-a-port' } }));
    const r = await runCli(['config', 'check', '-c', file], { env: cleanEnv() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('mqtt.port: must be integer (got "not-a-port")');
  });

  it('exits non-zero on a file that is not YAML', async () => {
    const dir = tempDir();
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'http: [unclosed\n');
    const r = await runCli(['config', 'check', '-c', file], { env: cleanEnv() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not valid YAML/);
  });
});
