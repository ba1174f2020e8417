import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '..', '..', 'bin', 'storegate.js');

/** Runs the real `storegate` CLI as a child process. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Environment without any STOREGATE_* variables from the developer's shell. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STOREGATE_')));
  return { ...env, ...extra };
}

/**
 * Free loopback ports and the `STOREGATE_*` environment for running `storegate start`/`demo` as a child
 * process in a test (clean of the developer's own STOREGATE_* variables).
 */
export async function gatewayProcessEnv(extra: Record<string, string> = {}) {
  const { freePort } = await import('./mosquitto.ts');
  const ports = { http: await freePort(), mqtt: await freePort(), ws: await freePort() };
  const env = cleanEnv({
    STOREGATE_HTTP_PORT: String(ports.http),
    STOREGATE_HTTP_HOST: '127.0.0.1',
    STOREGATE_MQTT_PORT: String(ports.mqtt),
    STOREGATE_MQTT_WS_PORT: String(ports.ws),
    STOREGATE_MQTT_HOST: '127.0.0.1',
    STOREGATE_LOG_LEVEL: 'warn',
    ...extra,
  });
  return { env, ports };
}

/**
 * Writes `<dataDir>/storegate.json` for `storegate start --config`, on free loopback ports, log level warn, with the
 * test's own settings merged in (its `http` fields beside the host and port). For tests that kill and restart the
 * process on the same data dir, where the ports must stay the same across starts.
 */
export async function writeGatewayConfig(dataDir: string, settings: { http?: Record<string, unknown>; [key: string]: unknown } = {}) {
  const { freePort } = await import('./mosquitto.ts');
  const [http, mqtt, ws] = [await freePort(), await freePort(), await freePort()];
  const { http: httpSettings, ...rest } = settings;
  const file = join(dataDir, 'storegate.json');
  writeFileSync(
    file,
    JSON.stringify({
      dataDir,
      log: { level: 'warn' },
      ...rest,
      http: { host: '127.0.0.1', port: http, ...httpSettings },
      mqtt: { host: '127.0.0.1', port: mqtt, wsPort: ws },
    }),
  );
  return { file, http, mqtt };
}
