import type { Rng } from '../../../simulators/rng.ts';

/** What a mutated input is, for the failure message that lets a failing case be replayed. */
export interface Mutant {
  how: string;
  bytes: Buffer;
}

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -0,
  -1,
  1e308,
  -1e308,
  2 ** 53 + 1,
  Number.MAX_SAFE_INTEGER,
  4.9e-324,
  '',
  ' ',
  '0',
  'NaN',
  'Infinity',
  'null',
  '\u0000',
  '\ud800',
  '\udfff',
  '👩‍👩‍👧‍👦'.repeat(20),
  '\u202eevil\u202c',
  'ﷺ'.repeat(50),
  'a'.repeat(10_000),
  '../../etc/passwd',
  "'; DROP TABLE device_events; --",
  '<script>alert(1)</script>',
  '%s%s%s%n',
  [],
  [[[]]],
  {},
  JSON.parse('{"__proto__":{"polluted":true}}'),
  { constructor: { prototype: { polluted: true } } },
];

/** Raw JSON fragments JSON.stringify cannot produce. */
const RAW_NUMBERS = ['1e999', '-1e999', '123456789012345678901234567890', '0.0000000000000000000000000000001', '1E+400', '-0.0'];

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(prefix);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) paths(v[i], [...prefix, i], out);
  } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  let cur = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[path[path.length - 1] as string | number] = value;
  return root;
}

function nest(rng: Rng, depth: number): string {
  const open = rng.chance(0.5) ? '[' : '{"a":';
  const close = open === '[' ? ']' : '}';
  return open.repeat(depth) + (rng.chance(0.5) ? '1' : '') + close.repeat(depth);
}

/**
 * One mutated JSON payload from a valid one. Strategies: valid as is, bit flips, truncation, type confusion,
 * weird values (huge numbers, unicode, injection strings, prototype keys), raw numbers JSON.stringify cannot
 * write, deep nesting, extra keys, invalid UTF-8, random bytes, empty, oversized, wrapped in arrays.
 */
export function mutateJson(rng: Rng, valid: unknown, opts: { maxBytes: number }): Mutant {
  const text = JSON.stringify(valid);
  const s = rng.int(0, 13);
  switch (s) {
    case 0:
      return { how: 'valid', bytes: Buffer.from(text) };
    case 1: {
      const b = Buffer.from(text);
      const flips = rng.int(1, 8);
      for (let i = 0; i < flips; i++) {
        const at = rng.int(0, b.length - 1);
        b[at] = (b[at] as number) ^ (1 << rng.int(0, 7));
      }
      return { how: `bitflip×${flips}`, bytes: b };
    }
    case 2: {
      const at = rng.int(0, Math.max(0, text.length - 1));
      return { how: `truncate@${at}`, bytes: Buffer.from(text.slice(0, at)) };
    }
    case 3:
    case 4: {
      const v = clone(valid);
      const ps = paths(v);
      const p = rng.pick(ps);
      const w = rng.pick(WEIRD_VALUES);
      return {
        how: `value ${JSON.stringify(p)} = ${String(JSON.stringify(w)).slice(0, 40)}`,
        bytes: Buffer.from(JSON.stringify(setAt(v, p, clone(w)) ?? null)),
      };
    }
    case 5: {
      // a number in place of any leaf, written raw
      const v = clone(valid);
      const ps = paths(v).filter((p) => p.length > 0);
      if (!ps.length) return { how: 'raw number', bytes: Buffer.from(rng.pick(RAW_NUMBERS)) };
      const marker = '"__RAW__"';
      const p = rng.pick(ps);
      const raw = rng.pick(RAW_NUMBERS);
      return { how: `raw ${JSON.stringify(p)} = ${raw}`, bytes: Buffer.from(JSON.stringify(setAt(v, p, '__RAW__')).replace(marker, raw)) };
    }
    case 6: {
      const depth = rng.pick([10, 100, 1000, 10_000, 50_000]);
      const v = clone(valid);
      const ps = paths(v).filter((p) => p.length > 0);
      if (ps.length && rng.chance(0.5)) {
        const marker = '"__DEEP__"';
        const p = rng.pick(ps);
        return { how: `deep ${depth} at ${JSON.stringify(p)}`, bytes: Buffer.from(JSON.stringify(setAt(v, p, '__DEEP__')).replace(marker, nest(rng, depth))) };
      }
      return { how: `deep ${depth}`, bytes: Buffer.from(nest(rng, depth)) };
    }
    case 7: {
      const v = clone(valid) as Record<string, unknown>;
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const key = rng.pick(['__proto__', 'constructor', 'prototype', 'toString', 'extra', '', '\u0000', '💥', 'a'.repeat(1000)]);
        const json = JSON.stringify(v).replace(
          /^\{/,
          `{${JSON.stringify(key)}:${JSON.stringify(rng.pick(WEIRD_VALUES)) ?? 'null'}${Object.keys(v).length ? ',' : ''}`,
        );
        return { how: `extra key ${JSON.stringify(key).slice(0, 20)}`, bytes: Buffer.from(json) };
      }
      return { how: 'array wrap', bytes: Buffer.from(`[${text}]`) };
    }
    case 8: {
      // invalid UTF-8 inside a string: lone continuation, overlong encodings, surrogate halves in UTF-8
      const bad = rng.pick([
        Buffer.from([0x80]),
        Buffer.from([0xc0, 0xaf]),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from([0xff, 0xfe]),
        Buffer.from([0xf4, 0x90, 0x80, 0x80]),
      ]);
      const b = Buffer.from(text);
      const at = b.indexOf('"', 1) > 0 ? b.indexOf('"', 1) : b.length;
      return { how: 'invalid utf-8', bytes: Buffer.concat([b.subarray(0, at), bad, b.subarray(at)]) };
    }
    case 9: {
      const n = rng.pick([0, 1, 7, 64, 1024]);
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = rng.int(0, 255);
      return { how: `random ${n} bytes`, bytes: b };
    }
    case 10:
      return { how: 'json scalar', bytes: Buffer.from(JSON.stringify(rng.pick(WEIRD_VALUES)) ?? 'null') };
    case 11: {
      if (rng.chance(0.1)) return { how: 'oversized', bytes: Buffer.alloc(opts.maxBytes + rng.int(1, 4096), 0x20) };
      const v = clone(valid) as Record<string, unknown>;
      // long arrays and many keys, under the size limit
      const many = Object.fromEntries(Array.from({ length: rng.int(100, 3000) }, (_, i) => [`k${i}`, i]));
      return { how: 'many keys', bytes: Buffer.from(JSON.stringify(v && typeof v === 'object' ? { ...v, ...many } : many)) };
    }
    default: {
      // two mutations stacked
      const first = mutateJson(rng, valid, opts);
      // deep or huge first results are inputs on their own; stacking on them only overflows this generator
      if (first.bytes.length > 64 * 1024 || first.how.includes('deep')) return first;
      let v: unknown;
      try {
        v = JSON.parse(first.bytes.toString('utf8'));
      } catch {
        return first;
      }
      const second = mutateJson(rng, v, opts);
      return { how: `${first.how} + ${second.how}`, bytes: second.bytes };
    }
  }
}

/** A mutated binary input (image bytes, BLE frames): bit flips, truncation, splices, random tails. */
export function mutateBytes(rng: Rng, valid: Buffer): Mutant {
  const s = rng.int(0, 6);
  const b = Buffer.from(valid);
  switch (s) {
    case 0:
      return { how: 'valid', bytes: b };
    case 1: {
      const flips = rng.int(1, 16);
      for (let i = 0; i < flips; i++) {
        const at = rng.int(0, b.length - 1);
        b[at] = (b[at] as number) ^ (1 << rng.int(0, 7));
      }
      return { how: `bitflip×${flips}`, bytes: b };
    }
    case 2:
      return { how: 'truncate', bytes: b.subarray(0, rng.int(0, b.length)) };
    case 3: {
      const at = rng.int(0, b.length);
      const len = rng.int(1, 64);
      const junk = Buffer.alloc(len);
      for (let i = 0; i < len; i++) junk[i] = rng.pick([0x00, 0xff, 0x7f, 0x80, rng.int(0, 255)]);
      return { how: `splice ${len}@${at}`, bytes: Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]) };
    }
    case 4: {
      const at = rng.int(0, b.length - 1);
      b.fill(rng.pick([0x00, 0xff]), at, Math.min(b.length, at + rng.int(1, 32)));
      return { how: `fill@${at}`, bytes: b };
    }
    case 5: {
      const n = rng.int(0, 64);
      const r = Buffer.alloc(n);
      for (let i = 0; i < n; i++) r[i] = rng.int(0, 255);
      return { how: `random ${n} bytes`, bytes: r };
    }
    default: {
      const i = rng.int(0, b.length - 1);
      const j = rng.int(0, b.length - 1);
      const t = b[i] as number;
      b[i] = b[j] as number;
      b[j] = t;
      return { how: `swap ${i},${j}`, bytes: b };
    }
  }
}
