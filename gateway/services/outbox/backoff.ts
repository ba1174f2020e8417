/** Exponential backoff with jitter, capped: attempt 1 waits about `initialMs`, each further one twice as long. */
export function backoffDelay(attempt: number, cfg: { initialMs: number; maxMs: number; jitter: number }, random: () => number): number {
  const base = Math.min(cfg.maxMs, cfg.initialMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  // the random part only ever shortens the wait, so the cap holds and retries of many gateways spread out
  return Math.max(1, Math.round(base * (1 - cfg.jitter * random())));
}

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export type CircuitState = 'up' | 'retrying' | 'down';
