import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MOSQUITTO } from '../helpers/mosquitto.ts';
import type { BrokerName } from './brokers.ts';
import type { Case } from './cases.ts';

export type Status = 'pass' | 'fail' | 'expected-deviation' | 'unexpected-pass' | 'skipped' | 'not-run';
export type Result = { status: Status; detail?: string; notes: string[] };

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACT = join(ROOT, 'test-artifacts', 'mqtt-conformance.json');

/** Where storegate's security model deliberately differs for device accounts: why the cases run as the service account. */
export const DEVICE_ACCOUNT_DIFFERENCES = [
  'a device may publish only under storegate/<storeId>/<kind>/<its id>/… (never to cmd); any other publish disconnects it',
  'a device may subscribe only to its own …/cmd topic; any other filter (including #, +/+ and $SYS/#) gets SUBACK 0x80',
  'no account may publish to $SYS/… (the service account included)',
  'anonymous clients are refused (CONNACK 5) unless mqtt.allowAnonymous: true, and may then publish only as registered devices and subscribe to nothing',
  'device publishes are validated and persisted before PUBACK; a malformed one is answered on the device cmd topic, not by the broker',
];

const SYMBOL: Record<Status, string> = {
  pass: 'pass',
  fail: 'FAIL',
  'expected-deviation': 'deviation',
  'unexpected-pass': 'pass (deviation declared!)',
  skipped: 'skipped',
  'not-run': '–',
};

function versions() {
  const aedes = (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'aedes', 'package.json'), 'utf8')) as { version: string }).version;
  const mqttjs = (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'mqtt', 'package.json'), 'utf8')) as { version: string }).version;
  let mosquitto = 'absent';
  if (MOSQUITTO) {
    try {
      execFileSync(MOSQUITTO, ['-h'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      // `mosquitto -h` prints its version and exits 3
      mosquitto = /version ([\d.]+)/.exec(String((err as { stdout?: string }).stdout ?? ''))?.[1] ?? 'unknown';
    }
  }
  return { aedes, mosquitto, mqttjs };
}

/** Writes the per-broker pass/fail table to test-artifacts/mqtt-conformance.json and returns it as markdown. */
export function writeReport(cases: Case[], results: Map<string, Result>, accounts: Record<BrokerName, string>) {
  const v = versions();
  const brokers: BrokerName[] = ['aedes', 'mosquitto'];
  const get = (c: Case, b: BrokerName): Result => results.get(`${c.id}:${b}`) ?? { status: 'not-run', notes: [] };
  const summary = Object.fromEntries(
    brokers.map((b) => {
      const counts: Partial<Record<Status, number>> = {};
      for (const c of cases) {
        const s = get(c, b).status;
        counts[s] = (counts[s] ?? 0) + 1;
      }
      return [b, counts];
    }),
  );
  const report = {
    generatedAt: new Date().toISOString(),
    command: 'npx vitest run test/conformance/mqtt.test.ts (also part of npm test)',
    deviceAccountDifferences: DEVICE_ACCOUNT_DIFFERENCES,
    brokers: {
      aedes: { what: `embedded aedes ${v.aedes} in a real storegate gateway`, account: accounts.aedes },
      mosquitto: { what: `mosquitto ${v.mosquitto} (reference)`, account: accounts.mosquitto },
    },
    client: `mqtt.js ${v.mqttjs} and a raw mqtt-packet client`,
    summary,
    cases: cases.map((c) => ({
      id: c.id,
      behaviour: c.title,
      ref: c.ref,
      ...(c.deviations ? { declaredDeviations: c.deviations } : {}),
      results: Object.fromEntries(brokers.map((b) => [b, get(c, b)])),
    })),
  };
  mkdirSync(dirname(ARTIFACT), { recursive: true });
  writeFileSync(ARTIFACT, `${JSON.stringify(report, null, 2)}\n`);

  const cell = (r: Result) => SYMBOL[r.status] + (r.notes.length ? ` (${r.notes.join('; ')})` : '');
  const lines = [
    `MQTT conformance: aedes ${v.aedes} (storegate, ${accounts.aedes}) vs mosquitto ${v.mosquitto} (${accounts.mosquitto})`,
    '',
    '| case | behaviour | aedes (storegate) | mosquitto |',
    '|---|---|---|---|',
    ...cases.map((c) => `| ${c.id} | ${c.title} | ${cell(get(c, 'aedes'))} | ${cell(get(c, 'mosquitto'))} |`),
    '',
    ...brokers.map(
      (b) =>
        `${b}: ${Object.entries(summary[b] ?? {})
          .map(([s, n]) => `${n} ${s}`)
          .join(', ')}`,
    ),
  ];
  for (const c of cases) {
    for (const b of brokers) {
      const r = get(c, b);
      if (r.status === 'expected-deviation' || r.status === 'fail' || r.status === 'unexpected-pass')
        lines.push(`- ${c.id} on ${b}: ${r.status}: ${r.detail ?? ''}`);
    }
  }
  return lines.join('\n');
}
