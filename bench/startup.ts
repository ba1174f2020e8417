/**
 * Cold start to /readyz and idle RSS of `storegate start` (compiled, from dist/) against the floor measured in the same
 * run: bench/startup-floor.js, the same libraries loaded and started with nothing on top. Runs alternate between the
 * floor and each storegate setup, median of RUNS. Also what each library costs on its own (load time, RSS).
 *   npx tsx bench/startup.ts        (BENCH_STARTUP_RUNS=5 for more runs, BENCH_STARTUP_LIBS=0 to skip the per-library rows)
 * CPU time to ready (user + system, all threads, from /proc) is reported too: on a shared box it moves less than wall
 * time, which includes waiting for the other processes' turn on the cores.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchRow, cpuSeconds, freePort, median, printTable, rssMb, spawnLogged, stopProcess, waitFor } from './lib.ts';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 3);
/** start-up garbage settles before the process is called idle (same wait for the floor and for storegate) */
const SETTLE_MS = 2000;
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'storegate.js');

const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STOREGATE_')));

interface Sample {
  ms: number;
  rss: number;
  /** CPU ms (user + system) the process used up to its first /readyz 200 */
  cpu?: number;
}

async function measure(args: (ports: { http: number; mqtt: number; ws: number }) => string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  const ports = { http: await freePort(), mqtt: await freePort(), ws: await freePort() };
  const t0 = performance.now();
  const proc = spawnLogged(process.execPath, args(ports), {
    ...env,
    STOREGATE_HTTP_PORT: String(ports.http),
    STOREGATE_MQTT_PORT: String(ports.mqtt),
    STOREGATE_MQTT_WS_PORT: String(ports.ws),
  });
  try {
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode}`);
        return (await fetch(`http://127.0.0.1:${ports.http}/readyz`).catch(() => null))?.ok === true;
      },
      60_000,
      `/readyz of ${args(ports)[0]}`,
    );
    const ms = performance.now() - t0;
    const cpu = cpuSeconds(proc.pid as number) * 1000;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    return { ms, cpu, rss: rssMb(proc.pid as number) };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${proc.output()}`);
  } finally {
    await stopProcess(proc);
  }
}

/** A library's own cost: `import()` time and RSS over bare node, in a fresh process. */
async function libraryCost(name: string): Promise<Sample> {
  const code = `const t=performance.now();await import(${JSON.stringify(name)});console.log(JSON.stringify({ms:performance.now()-t,rss:process.memoryUsage().rss/1048576}))`;
  const bare = `console.log(JSON.stringify({ms:0,rss:process.memoryUsage().rss/1048576}))`;
  const run = (src: string) =>
    new Promise<Sample>((resolve, reject) => {
      const p = spawnLogged(process.execPath, ['--input-type=module', '-e', src], process.env);
      p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(p.output()) as Sample) : reject(new Error(p.output()))));
    });
  const [lib, base] = [await run(code), await run(bare)];
  return { ms: lib.ms, rss: lib.rss - base.rss };
}

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'storegate-bench-startup-'));
  try {
    const mirrorConfig = join(dir, 'mirror.json');
    writeFileSync(mirrorConfig, JSON.stringify({ devices: [{ id: 'mr-bench', kind: 'mirror', zone: 'fitting' }] }));
    const setups = {
      floor: {
        dir: join(dir, 'floor'),
        args: (p: { http: number; mqtt: number }) => [join(import.meta.dirname, 'startup-floor.js'), join(dir, 'floor'), String(p.http), String(p.mqtt)],
      },
      plain: { dir: join(dir, 'plain'), args: () => [BIN, 'start'] },
      mirror: { dir: join(dir, 'mirror'), args: () => [BIN, 'start', '--config', mirrorConfig] },
    };
    const samples: Record<keyof typeof setups, Sample[]> = { floor: [], plain: [], mirror: [] };
    let firstStart: Sample | undefined;
    const load: number[] = [loadavg()[0] ?? 0];
    for (const [name, s] of Object.entries(setups)) {
      rmSync(s.dir, { recursive: true, force: true });
      const env = { ...cleanEnv(), STOREGATE_DATA_DIR: s.dir, STOREGATE_HTTP_HOST: '127.0.0.1', STOREGATE_MQTT_HOST: '127.0.0.1', STOREGATE_LOG_LEVEL: 'warn' };
      mkdirSync(s.dir, { recursive: true });
      // the first start creates the database (migrations); a store box restarts on an existing one, which is measured
      const first = await measure(s.args, { ...env, STOREGATE_ADMIN_TOKEN: 'bench-admin-token-0123456789' });
      if (name === 'plain') firstStart = first;
    }
    for (let i = 0; i < RUNS; i++) {
      for (const [name, s] of Object.entries(setups) as Array<[keyof typeof setups, (typeof setups)['floor']]>) {
        const env = {
          ...cleanEnv(),
          STOREGATE_DATA_DIR: s.dir,
          STOREGATE_HTTP_HOST: '127.0.0.1',
          STOREGATE_MQTT_HOST: '127.0.0.1',
          STOREGATE_LOG_LEVEL: 'warn',
        };
        samples[name].push(await measure(s.args, { ...env, STOREGATE_ADMIN_TOKEN: 'bench-admin-token-0123456789' }));
      }
      load.push(loadavg()[0] ?? 0);
    }
    const ms = (k: keyof typeof setups) => median(samples[k].map((s) => s.ms));
    const rss = (k: keyof typeof setups) => median(samples[k].map((s) => s.rss));
    const cpu = (k: keyof typeof setups) => median(samples[k].map((s) => s.cpu ?? Number.NaN));
    const loadNote = `load average ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} during the runs`;
    const note = `median of ${RUNS}, restart on an existing data dir; floor: aedes+fastify+sqlite3+onnxruntime (model)+sharp started; ${loadNote}`;
    const rows: BenchRow[] = [
      { name: 'floor: cold start to /readyz', value: ms('floor'), unit: 'ms', note: 'bench/startup-floor.js, same run' },
      { name: 'floor: idle RSS', value: rss('floor'), unit: 'MB', note: `${SETTLE_MS / 1000} s after ready` },
      { name: 'cold start to /readyz (no mirror: recognition on demand)', value: ms('plain'), unit: 'ms', reference: ms('floor'), note },
      { name: 'idle RSS (no mirror: recognition on demand)', value: rss('plain'), unit: 'MB', reference: rss('floor'), note: 'target ≤ 1.25× the floor' },
      { name: 'cold start to /readyz (a mirror registered: model at start)', value: ms('mirror'), unit: 'ms', reference: ms('floor'), note: 'target ≤ 1.5×' },
      { name: 'idle RSS (a mirror registered: model loaded)', value: rss('mirror'), unit: 'MB', reference: rss('floor'), note: 'target ≤ 1.25×' },
      { name: 'CPU time to /readyz (no mirror)', value: cpu('plain'), unit: 'ms', reference: cpu('floor'), note: 'user + system, all threads' },
      { name: 'CPU time to /readyz (a mirror registered)', value: cpu('mirror'), unit: 'ms', reference: cpu('floor'), note: 'user + system, all threads' },
      { name: 'first start on an empty data dir (migrations)', value: firstStart?.ms ?? Number.NaN, unit: 'ms', note: 'no mirror' },
    ];
    if (process.env.BENCH_STARTUP_LIBS === '0') return rows;
    for (const lib of ['sharp', 'onnxruntime-node', 'fastify', 'aedes', 'sqlite3', 'mqtt', 'prom-client', 'typebox', '@fastify/swagger-ui', 'pino']) {
      const c = await libraryCost(lib);
      const bundled = lib === 'typebox' ? '; from node_modules — storegate bundles it into dist/, which skips most of this' : '';
      rows.push({ name: `cost of loading ${lib}`, value: c.ms, unit: 'ms', note: `+${c.rss.toFixed(1)} MB RSS over bare node${bundled}` });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run();
  printTable(rows.map((r) => ({ ...r, area: 'startup' })));
}
