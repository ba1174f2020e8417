/**
 * `npm run bench`: every benchmark, one table, and bench/results/latest.json. Each area module exports
 * run(): BenchRow[]; a module that is missing or fails is reported, and the others still run.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { type BenchRow, printTable } from './lib.ts';

const AREAS = ['startup', 'ingest', 'recognition', 'ble', 'rfid', 'outbox', 'lockers', 'downlink', 'dashboard', 'memory'];
const only = process.argv.slice(2);

const results: Array<BenchRow & { area: string }> = [];
const failures: Record<string, string> = {};
for (const area of AREAS) {
  if (only.length && !only.includes(area)) continue;
  const file = join(import.meta.dirname, `${area}.ts`);
  if (!existsSync(file)) continue;
  process.stderr.write(`bench: ${area}…\n`);
  try {
    const mod = (await import(file)) as { run: () => Promise<BenchRow[]> };
    for (const r of await mod.run()) results.push({ ...r, area });
  } catch (err) {
    failures[area] = (err as Error).message;
    process.stderr.write(`bench: ${area} failed: ${(err as Error).stack}\n`);
  }
}

printTable(results);
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
console.log(`\nmachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memGiB} GiB, node ${machine.node}`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(
  join(import.meta.dirname, 'results', 'latest.json'),
  `${JSON.stringify({ at: new Date().toISOString(), machine, results, failures }, null, 2)}\n`,
);
if (Object.keys(failures).length) process.exitCode = 1;
