import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** the same measurement on the reference (e.g. mosquitto), taken in the same run */
  reference?: number;
  note?: string;
}

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

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function median(values: number[]): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function stopProcess(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 5000).unref();
  });
}

export function spawnLogged(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  p.stdout?.on('data', (d) => (output += d));
  p.stderr?.on('data', (d) => (output += d));
  return Object.assign(p, { output: () => output });
}

export function printTable(rows: Array<BenchRow & { area: string }>) {
  const fmt = (n: number | undefined) =>
    n === undefined || Number.isNaN(n) ? '' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 1 : 2);
  const table = rows.map((r) => [
    r.area,
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.reference !== undefined ? `${fmt(r.reference)} ${r.unit}` : '',
    r.reference ? `${(r.value / r.reference).toFixed(2)}×` : '',
    r.note ?? '',
  ]);
  const head = ['area', 'measure', 'storegate', 'reference', 'ratio', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => (t[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const t of table) console.log(line(t));
}

/**
 * `storegate start` as its own process on free ports, with the admin token known and logs at warn; resolves
 * when /readyz answers 200. `coldStartMs` is spawn → ready.
 */
export async function spawnStoregate(opts: {
  dataDir: string;
  args?: string[];
  env?: Record<string, string>;
  nodeArgs?: string[];
  timeoutMs?: number;
  /** another checkout's `bin/storegate.js` (A/B runs of two builds in one bench run); default this one */
  bin?: string;
}) {
  const [http, mqtt, ws] = [await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    STOREGATE_DATA_DIR: opts.dataDir,
    STOREGATE_HTTP_PORT: String(http),
    STOREGATE_HTTP_HOST: '127.0.0.1',
    STOREGATE_MQTT_PORT: String(mqtt),
    STOREGATE_MQTT_WS_PORT: String(ws),
    STOREGATE_MQTT_HOST: '127.0.0.1',
    STOREGATE_LOG_LEVEL: 'warn',
    STOREGATE_ADMIN_TOKEN: 'bench-admin-token',
    ...opts.env,
  };
  const t0 = performance.now();
  const bin = opts.bin ?? new URL('../bin/storegate.js', import.meta.url).pathname;
  const proc = spawnLogged(process.execPath, [...(opts.nodeArgs ?? []), bin, 'start', ...(opts.args ?? [])], env);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${http}/readyz`).catch(() => null))?.ok === true, opts.timeoutMs ?? 60_000, 'storegate /readyz');
  return { proc, ports: { http, mqtt, ws }, coldStartMs: performance.now() - t0, adminToken: 'bench-admin-token' };
}
