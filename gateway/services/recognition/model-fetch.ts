import { open, stat, truncate } from 'node:fs/promises';

export interface FetchOptions {
  url: string;
  /** the partial file: kept across attempts (and restarts), so a transfer resumes where it stopped */
  dest: string;
  maxBytes: number;
  attempts: number;
  timeoutMs: number;
  retryDelayMs: number;
  delay: (ms: number) => Promise<void>;
  onRetry?: (attempt: number, err: Error) => void;
}

export class FetchError extends Error {
  constructor(
    message: string,
    readonly reason: 'fetch_failed' | 'too_large',
    /** asking again will not help (too large, a 4xx) */
    readonly final = reason === 'too_large',
  ) {
    super(message);
  }
}

const size = (path: string) =>
  stat(path).then(
    (s) => s.size,
    () => 0,
  );
/** 4xx other than timeout/too-many-requests will not get better by asking again */
const permanent = (status: number) => status >= 400 && status < 500 && status !== 408 && status !== 429;

/**
 * GET `url` into `dest`, resuming with `Range: bytes=<have>-` after a cut transfer (RFC 9110 §14): a 206 whose
 * Content-Range starts where the file ends is appended; a 200 (the server ignores ranges) starts the file over; a 416
 * means the file is already whole. Bounded by `maxBytes` whatever the server says.
 */
export async function fetchResumable(o: FetchOptions): Promise<{ bytes: number; attempts: number; resumedFrom: number[] }> {
  const resumedFrom: number[] = [];
  let last: Error = new FetchError('no attempt made', 'fetch_failed');
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    if (attempt > 1) await o.delay(o.retryDelayMs * 2 ** (attempt - 2));
    const have = await size(o.dest);
    try {
      if (have > 0) resumedFrom.push(have);
      const done = await oneAttempt(o, have);
      return { bytes: done, attempts: attempt, resumedFrom };
    } catch (err) {
      last = err as Error;
      if (err instanceof FetchError && err.final) break;
      o.onRetry?.(attempt, last);
    }
  }
  throw last instanceof FetchError ? last : new FetchError(last.message, 'fetch_failed');
}

async function oneAttempt(o: FetchOptions, have: number): Promise<number> {
  const res = await fetch(o.url, {
    headers: have > 0 ? { range: `bytes=${have}-` } : {},
    signal: AbortSignal.timeout(o.timeoutMs),
    redirect: 'follow',
  });
  if (res.status === 416 && have > 0) {
    await res.body?.cancel();
    return have;
  }
  let offset = 0;
  if (res.status === 206) {
    const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    offset = m ? Number(m[1]) : -1;
    if (offset !== have) {
      await res.body?.cancel();
      await truncate(o.dest, 0);
      throw new FetchError(`HTTP 206 from byte ${offset}, asked for ${have}: starting over`, 'fetch_failed');
    }
  } else if (res.status !== 200) {
    await res.body?.cancel();
    throw new FetchError(`HTTP ${res.status}`, 'fetch_failed', permanent(res.status));
  }
  const announced = Number(res.headers.get('content-length') ?? Number.NaN);
  if (offset + (Number.isNaN(announced) ? 0 : announced) > o.maxBytes) {
    await res.body?.cancel();
    throw new FetchError(`${offset + announced} bytes > recognition.rollout.maxBytes ${o.maxBytes}`, 'too_large');
  }
  const file = await open(o.dest, offset === 0 ? 'w' : 'a');
  let total = offset;
  try {
    for await (const chunk of res.body ?? []) {
      total += chunk.length;
      if (total > o.maxBytes) throw new FetchError(`more than recognition.rollout.maxBytes ${o.maxBytes} bytes`, 'too_large');
      await file.write(chunk);
    }
  } finally {
    await file.close();
  }
  return total;
}
