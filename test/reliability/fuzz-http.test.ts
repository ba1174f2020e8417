import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../simulators/rng.ts';
import { ADMIN_TOKEN, type DeviceSeed, type GatewayProcess, type GatewaySite, gatewaySite } from './helpers/gateway-process.ts';
import { mutateBytes, mutateJson } from './helpers/mutate.ts';
import { sampleFor } from './helpers/schema-sample.ts';
import { recordSummary } from './helpers/summary.ts';
import { JPEG } from './seeds.ts';

const SEED = Number(process.env.RELIABILITY_SEED ?? 11);
const HTTP_INPUTS = Number(process.env.RELIABILITY_HTTP_INPUTS ?? 3_000);

interface Op {
  method: string;
  path: string;
  contentTypes: string[];
  body?: unknown;
  params: Array<{ in: string; name: string }>;
  secured: boolean;
}

const devices: DeviceSeed[] = [{ id: 'http-lk', kind: 'locker', secret: 'http-locker-secret-0123456789' }];
let site: GatewaySite;
let gw: GatewayProcess;
const ops: Op[] = [];

beforeAll(async () => {
  site = await gatewaySite({
    devices,
    config: {
      lockers: {
        banks: [
          {
            id: 'H',
            controllerId: 'http-lk',
            compartments: [
              { id: 'A1', size: 'S' },
              { id: 'A2', size: 'M' },
            ],
          },
        ],
      },
    },
  });
  gw = await site.start();
  const doc = (await (await fetch(`${site.url}/docs/json`)).json()) as { paths: Record<string, Record<string, Record<string, unknown>>> };
  for (const [path, byMethod] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(byMethod)) {
      const produces = Object.keys(((op.responses as Record<string, { content?: object }>)?.['200']?.content ?? {}) as object);
      // an event stream never ends by itself: its limits are covered by the dashboard's own tests
      if (produces.includes('text/event-stream') || path.endsWith('/stream')) continue;
      const content = ((op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content ?? {}) as Record<
        string,
        { schema?: unknown }
      >;
      const jsonSchema = content['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        contentTypes: Object.keys(content),
        ...(jsonSchema ? { body: sampleFor(jsonSchema) } : {}),
        params: ((op.parameters as Array<{ in: string; name: string }> | undefined) ?? []).map((p) => ({ in: p.in, name: p.name })),
        secured: Array.isArray(op.security) && op.security.length > 0,
      });
    }
  }
}, 90_000);

afterAll(async () => {
  if (gw?.alive()) await gw.kill('SIGTERM');
  site?.remove();
});

/**
 * Known 500s, each reported with its own failing test, kept out of this verdict so a new one still fails it:
 * ajv coerces `?limit=1e309` to Infinity, which passes `maximum` and reaches SQLite's LIMIT
 * (http-query-infinity.test.ts); POST /api/v1/recognition without a body (recognition-empty-body.test.ts).
 */
/** 5xx answers known and accepted for now (none: the two the fuzzer found are fixed and pinned by their own tests). */
const KNOWN_500 = (_label: string) => false;
const PARAM_VALUES = [
  'A1',
  'a',
  '',
  ' ',
  '..',
  '../../etc/passwd',
  '%00',
  '%ff',
  '💥',
  'x'.repeat(300),
  '-1',
  '0',
  '1e309',
  "'or'1'='1",
  '<b>',
  'http-lk',
  'null',
];

describe('fuzzing the HTTP API of a running gateway', () => {
  it('answers every mutated request to every documented route without a 500 and stays up', async () => {
    expect(ops.length).toBeGreaterThan(5);
    const rng = createRng(`${SEED}-http`);
    const serverErrors: string[] = [];
    const unanswered: string[] = [];
    const statuses = new Map<number, number>();
    let knownErrors = 0;
    for (let i = 0; i < HTTP_INPUTS; i++) {
      const op = rng.pick(ops);
      let path = op.path;
      const query = new URLSearchParams();
      for (const p of op.params) {
        const v = rng.pick(PARAM_VALUES);
        // never revoke or erase the fixtures this run relies on
        const safe = op.method === 'DELETE' && devices.some((d) => d.id === v) ? 'nobody' : v;
        if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(safe) || 'x');
        else if (p.in === 'query' && rng.chance(0.7)) query.set(p.name, rng.chance(0.5) ? safe : String(rng.pick([-1, 0, 1, 10, 1e9, 1.5])));
      }
      if (rng.chance(0.02)) query.set(rng.pick(['__proto__', 'constructor', 'token']), rng.pick(PARAM_VALUES));
      const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
      let body: Buffer | undefined;
      let how = 'no body';
      if (op.method !== 'GET' && op.method !== 'HEAD') {
        // routes with their own body parser (camera frames) do not document a body: try image bytes on them too
        const ct = op.contentTypes.find((c) => c.startsWith('image/')) ?? (op.contentTypes.length === 0 && op.method === 'POST' ? 'image/jpeg' : undefined);
        if (ct && rng.chance(op.contentTypes.length ? 0.8 : 0.3)) {
          const m = mutateBytes(rng, JPEG);
          body = m.bytes;
          how = m.how;
          headers['content-type'] = ct;
        } else if (op.body !== undefined || op.contentTypes.length || rng.chance(0.5)) {
          const m = mutateJson(rng, op.body ?? {}, { maxBytes: 2 * 1024 * 1024 });
          body = m.bytes;
          how = m.how;
          headers['content-type'] = rng.pick([
            'application/json',
            'application/json',
            'application/json; charset=utf-8',
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/octet-stream',
          ]);
        }
      }
      const url = `${site.url}${path}${query.size ? `?${query}` : ''}`;
      const label = `#${i} ${op.method} ${url.slice(site.url.length, 200)} ${headers['content-type'] ?? ''} ${how}`;
      const res = await fetch(url, { method: op.method, headers, ...(body ? { body: new Uint8Array(body) } : {}), signal: AbortSignal.timeout(15_000) }).catch(
        (e: Error) => e,
      );
      if (res instanceof Error) {
        unanswered.push(`${label}: ${res.message}`);
        if (!gw.alive()) break;
        continue;
      }
      // a live stream (a mirror page's SSE) answered: its status is the verdict, its body never ends
      if (res.headers.get('content-type')?.startsWith('text/event-stream')) await res.body?.cancel().catch(() => {});
      else await res.arrayBuffer().catch(() => {});
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500 && res.status !== 503) {
        // known, reported with its own failing test (http-query-infinity.test.ts): keep it out of the fuzz verdict
        if (KNOWN_500(label)) knownErrors++;
        else serverErrors.push(`${label} → ${res.status}`);
      }
    }

    // the token checks, last: wrong tokens lock this address out for a minute (by design)
    let authCases = 0;
    for (const op of ops.filter((o) => o.secured)) {
      for (const auth of [undefined, 'Bearer wrong-token-0123456789', 'Basic YWRtaW46YWRtaW4=', `Bearer ${ADMIN_TOKEN}x`]) {
        const res = await fetch(`${site.url}${op.path.replace(/\{[^}]+\}/g, 'A1')}`, { method: op.method, headers: auth ? { authorization: auth } : {} });
        authCases++;
        expect([401, 429], `${op.method} ${op.path} with ${auth ?? 'no token'}`).toContain(res.status);
      }
    }

    expect(gw.alive(), gw.output()).toBe(true);
    expect((await fetch(`${site.url}/healthz`)).ok).toBe(true);
    expect(unanswered.slice(0, 10)).toEqual([]);
    recordSummary(import.meta.filename, {
      name: 'fuzz HTTP bodies, params and content types on every documented route',
      cases: HTTP_INPUTS + authCases,
      faults: 0,
      lost: 0,
      crashes: (gw.alive() ? 0 : 1) + unanswered.length,
      note: `${ops.length} operations; statuses ${[...statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}; ${serverErrors.length} unexpected 5xx, ${knownErrors} known (see KNOWN_500)`,
    });
    expect(serverErrors.slice(0, 20)).toEqual([]);
  });
});
