import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, PARTS, type SummaryRow } from './summary.ts';

/** Clears the previous run's parts; after every file has run, prints one table and writes the summary JSON. */
export default function setup() {
  rmSync(PARTS, { recursive: true, force: true });
  const started = Date.now();
  return () => {
    const rows: Array<SummaryRow & { file: string }> = [];
    if (existsSync(PARTS)) {
      for (const f of readdirSync(PARTS).sort()) {
        for (const r of JSON.parse(readFileSync(join(PARTS, f), 'utf8')) as SummaryRow[]) rows.push({ file: f.replace(/\.json$/, ''), ...r });
      }
    }
    const totals = rows.reduce(
      (t, r) => ({ cases: t.cases + r.cases, faults: t.faults + r.faults, lost: t.lost + r.lost, crashes: t.crashes + (r.crashes ?? 0) }),
      {
        cases: 0,
        faults: 0,
        lost: 0,
        crashes: 0,
      },
    );
    const head = ['suite', 'behaviour', 'cases', 'faults', 'lost', 'crashes', 'note'];
    const body = [
      ...rows.map((r) => [r.file, r.name, String(r.cases), String(r.faults), String(r.lost), String(r.crashes ?? 0), r.note ?? '']),
      ['TOTAL', '', String(totals.cases), String(totals.faults), String(totals.lost), String(totals.crashes), ''],
    ];
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
    const table = [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
    console.log(`\nstoregate reliability summary\n${table}\n`);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(
      join(ARTIFACTS, 'reliability-summary.json'),
      `${JSON.stringify({ at: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000), machine: { cpus: cpus().length, node: process.version }, totals, rows }, null, 2)}\n`,
    );
  };
}
