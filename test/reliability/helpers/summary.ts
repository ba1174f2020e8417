import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts');
export const PARTS = join(ARTIFACTS, 'reliability-parts');

export interface SummaryRow {
  /** the behaviour, as in the test name */
  name: string;
  /** inputs tried, rounds run */
  cases: number;
  /** kills, storms, stalls, clock jumps */
  faults: number;
  /** acknowledged events (or acknowledged state) missing afterwards: must be 0 */
  lost: number;
  /** crashes / unanswered inputs */
  crashes?: number;
  note?: string;
}

const rows = new Map<string, SummaryRow[]>();

/** Each test file records its rows; the global teardown prints them as one table. */
export function recordSummary(testFile: string, row: SummaryRow) {
  const key = basename(testFile).replace(/\.test\.ts$/, '');
  const list = rows.get(key) ?? [];
  list.push(row);
  rows.set(key, list);
  mkdirSync(PARTS, { recursive: true });
  writeFileSync(join(PARTS, `${key}.json`), `${JSON.stringify(list, null, 2)}\n`);
}
