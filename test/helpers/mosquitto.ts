import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'];
export const MOSQUITTO = CANDIDATES.find((p) => existsSync(p));
export const hasMosquitto = Boolean(MOSQUITTO);
if (!hasMosquitto) console.warn('[storegate tests] mosquitto not found: tests that need a real mosquitto are SKIPPED (apt-get install mosquitto)');

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
  // ready when it accepts a TCP connection
  const { connect } = await import('node:net');
  const end = Date.now() + 5000;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) break;
    if (Date.now() > end || proc.exitCode !== null) throw new Error(`mosquitto did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, url: `mqtt://127.0.0.1:${port}`, proc };
}
