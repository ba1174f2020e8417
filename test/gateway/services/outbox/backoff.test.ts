import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from '../../../../gateway/services/outbox/backoff.ts';

describe('outbox retry timing', () => {
  it('computes exponential backoff with jitter under the cap, and reads both Retry-After forms', () => {
    const cfg = { initialMs: 1000, maxMs: 60_000, jitter: 0.5 };
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, cfg, () => 0))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(30, cfg, () => 0)).toBe(60_000);
    expect(backoffDelay(3, cfg, () => 1)).toBe(2000);
    for (let a = 1; a < 40; a++) expect(backoffDelay(a, cfg, Math.random)).toBeLessThanOrEqual(60_000);
    const now = Date.UTC(2026, 0, 1, 9);
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('reads Retry-After strictly: surrounding spaces allowed, no unit, no prefix, nothing for an empty header', () => {
    const now = Date.UTC(2026, 0, 1, 9);
    expect(parseRetryAfter(' 30 ', now)).toBe(30_000);
    expect(parseRetryAfter('30s', now)).toBeUndefined();
    expect(parseRetryAfter('x30', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    // a date in the past means now
    expect(parseRetryAfter(new Date(now - 5000).toUTCString(), now)).toBe(0);
  });
});
