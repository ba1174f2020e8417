import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { decodeJsonLine } from '../../../devices/ble/json-line.ts';

/** JSON lines in, one JSON line out per input line (blank lines skipped), in order. */
export async function runBleDecode(input: Readable, output: Writable): Promise<{ lines: number; failed: number }> {
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lines = 0;
  let failed = 0;
  for await (const line of rl) {
    if (!line.trim()) continue;
    const r = decodeJsonLine(line);
    lines++;
    if (r.kind === null) failed++;
    if (!output.write(`${JSON.stringify(r)}\n`)) await new Promise((resolve) => output.once('drain', resolve));
  }
  return { lines, failed };
}

export function registerBleDecode(program: Command) {
  program
    .command('ble-decode')
    .description(
      'decode BLE advertisements: JSON lines {"manufacturerData":"4c000215…","serviceData":[{"uuid":"feaa","data":"…"}],"rssi":-70} on stdin, ' +
        'one JSON line per input on stdout ({"kind":"ibeacon",…} or {"kind":null,"error":"…"})',
    )
    .action(async () => {
      await runBleDecode(process.stdin, process.stdout);
    });
}
