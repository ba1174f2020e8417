import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { freePort, untilListening } from './mosquitto.ts';

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];
export const NATS = CANDIDATES.find((p) => existsSync(p));
/** Under CI a missing nats-server fails the tests that need it instead of skipping them. */
export const hasNats = Boolean(NATS) || Boolean(process.env.CI);
if (!NATS)
  console.warn(
    process.env.CI
      ? '[storegate tests] nats-server not found and CI is set: the second-broker tests will FAIL (apt-get install nats-server)'
      : '[storegate tests] nats-server not found: the second-broker (NATS MQTT) tests are SKIPPED (apt-get install nats-server)',
  );

/** nats-server with JetStream (its MQTT listener needs it) and the MQTT listener, on 127.0.0.1 and free ports. */
export async function startNats(dir: string): Promise<{ port: number; url: string; proc: ChildProcess }> {
  // a free port can be taken by another test process before nats binds it: try again on fresh ports
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNatsOnce(dir);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/i.test((err as Error).message)) throw err;
    }
  }
}

async function startNatsOnce(dir: string): Promise<{ port: number; url: string; proc: ChildProcess }> {
  if (!NATS) throw new Error('nats-server not installed');
  const natsPort = await freePort();
  // two sequential asks may get the same port back (the first was closed): insist on two
  let port = await freePort();
  while (port === natsPort) port = await freePort();
  const conf = join(dir, 'nats.conf');
  writeFileSync(
    conf,
    [
      `listen: 127.0.0.1:${natsPort}`,
      'server_name: storegate-test',
      `jetstream { store_dir: "${join(dir, 'js')}" }`,
      `mqtt { listen: 127.0.0.1:${port} }`,
    ].join('\n'),
  );
  const proc = spawn(NATS, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => proc.once('exit', r));
  // nats-server writes its JetStream store as it exits: wait for that, or the temp dir's removal races it (ENOTEMPTY)
  onTestFinished(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  });
  try {
    await untilListening(port, proc, 10_000, () => `nats-server did not start: ${stderr}`);
  } catch (err) {
    proc.kill('SIGTERM');
    throw err;
  }
  return { port, url: `mqtt://127.0.0.1:${port}`, proc };
}
