import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'];
export const MOSQUITTO = CANDIDATES.find((p) => existsSync(p));
/** Under CI a missing mosquitto fails the tests that need it (startMosquitto throws) instead of skipping them. */
export const hasMosquitto = Boolean(MOSQUITTO) || Boolean(process.env.CI);
if (!MOSQUITTO)
  console.warn(
    process.env.CI
      ? '[storegate tests] mosquitto not found and CI is set: tests that need a real mosquitto will FAIL (apt-get install mosquitto)'
      : '[storegate tests] mosquitto not found: tests that need a real mosquitto are SKIPPED (apt-get install mosquitto)',
  );
export const DYNSEC_PLUGIN = [
  '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/mosquitto_dynamic_security.so',
].find((p) => existsSync(p));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A real mosquitto on 127.0.0.1 and a free port, stopped at the end of the test. */
export async function startMosquitto(dir: string, extraConf = ''): Promise<{ port: number; url: string; proc: ChildProcess }> {
  if (!MOSQUITTO) throw new Error('mosquitto not installed');
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'max_queued_messages 100000',
      'log_dest stderr',
      'log_type error',
      extraConf,
    ].join('\n'),
  );
  const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d) => (stderr += d));
  onTestFinished(() => {
    proc.kill('SIGTERM');
  });
  await untilListening(port, proc, 5000, () => `mosquitto did not start: ${stderr}`);
  return { port, url: `mqtt://127.0.0.1:${port}`, proc };
}

/** Resolves when a broker process accepts TCP connections on 127.0.0.1:port; throws `failure()` if it exits or times out. */
export async function untilListening(port: number, proc: { exitCode: number | null }, timeoutMs: number, failure: () => string) {
  const { connect } = await import('node:net');
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > end || proc.exitCode !== null) throw new Error(failure());
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * mosquitto with its dynamic-security plugin, initialised the way deploy/README.md tells store IT to
 * (`mosquitto_ctrl dynsec init` with the gateway's service account as the admin), and its client notices on
 * `$SYS/broker/log/N` (`log_dest topic`). Anonymous clients are refused.
 */
export async function startMosquittoDynsec(dir: string, admin: { username: string; password: string }, extraConf = '') {
  if (!MOSQUITTO) throw new Error('mosquitto not installed');
  if (!DYNSEC_PLUGIN) throw new Error('mosquitto_dynamic_security.so not found (Debian mosquitto >= 2.0 ships it)');
  const file = join(dir, 'dynamic-security.json');
  execFileSync('mosquitto_ctrl', ['dynsec', 'init', file, admin.username, admin.password], { stdio: 'ignore' });
  return startMosquitto(
    dir,
    [
      'allow_anonymous false',
      `plugin ${DYNSEC_PLUGIN}`,
      `plugin_opt_config_file ${file}`,
      'log_dest topic',
      'log_type notice',
      // as root mosquitto drops to the mosquitto user, which could not save the plugin's file in our temp dir
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      extraConf,
    ].join('\n'),
  );
}

const SHIPPED = join(import.meta.dirname, '..', '..', 'deploy', 'mosquitto');

/**
 * mosquitto with the configuration storegate ships (deploy/mosquitto/mosquitto.conf, unchanged but for its paths and
 * port): the dynamic-security plugin with storegate's service account as its admin, as deploy/mosquitto/init.sh sets
 * it up on first start. Devices are then provisioned by the gateway (`storegate device add`), persistence goes to `dir`.
 */
export async function startShippedMosquitto(dir: string, service: { username: string; password: string }) {
  if (!MOSQUITTO) throw new Error('mosquitto not installed');
  if (!DYNSEC_PLUGIN) throw new Error('mosquitto_dynamic_security.so not found (Debian mosquitto >= 2.0 ships it)');
  const dynsec = join(dir, 'dynamic-security.json');
  execFileSync('mosquitto_ctrl', ['dynsec', 'init', dynsec, service.username, service.password], { stdio: 'ignore' });
  const port = await freePort();
  const shipped = readFileSync(join(SHIPPED, 'mosquitto.conf'), 'utf8');
  const moved: Record<string, string> = {
    listener: `listener ${port} 127.0.0.1`,
    plugin: `plugin ${DYNSEC_PLUGIN}`,
    plugin_opt_config_file: `plugin_opt_config_file ${dynsec}`,
    persistence_location: `persistence_location ${dir}/`,
  };
  const lines = shipped.split('\n').map((l) => moved[l.split(' ')[0] ?? ''] ?? l);
  for (const key of Object.keys(moved)) if (!lines.includes(moved[key] as string)) throw new Error(`shipped mosquitto.conf has no ${key} line`);
  // as root mosquitto drops to the mosquitto user, which could not read (or save the plugin's file in) the test's temp dir
  if (process.getuid?.() === 0) lines.push('user root');
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [...lines, 'log_dest stderr', 'log_type error'].join('\n'));
  const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => proc.once('exit', r));
  // with persistence on, mosquitto writes its database as it exits: wait for that before `dir` is removed
  onTestFinished(async () => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
    await exited;
  });
  await untilListening(port, proc, 5000, () => `mosquitto (shipped config) did not start: ${stderr}`);
  return { port, url: `mqtt://127.0.0.1:${port}`, proc, conf: lines.join('\n') };
}
