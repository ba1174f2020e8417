import { closeSync, openSync, writeSync } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

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

/** one GET, following up to 3 redirects; resolves with the response head, its body not yet read */
function get(url: string, headers: Record<string, string>, timeoutMs: number, hops = 3): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { headers, timeout: timeoutMs }, (res) => {
      const to = res.headers.location;
      if (res.statusCode && [301, 302, 303, 307, 308].includes(res.statusCode) && to && hops > 0) {
        res.resume();
        return void get(new URL(to, u).toString(), headers, timeoutMs, hops - 1).then(resolve, reject);
      }
      resolve(res);
    });
    req.on('timeout', () => req.destroy(new FetchError(`no answer within ${timeoutMs} ms`, 'fetch_failed')));
    req.on('error', reject);
    req.end();
  });
}

async function oneAttempt(o: FetchOptions, have: number): Promise<number> {
  const res = await get(o.url, have > 0 ? { range: `bytes=${have}-` } : {}, o.timeoutMs);
  const status = res.statusCode ?? 0;
  if (status === 416 && have > 0) {
    res.resume();
    return have;
  }
  let offset = 0;
  if (status === 206) {
    const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
    offset = m ? Number(m[1]) : -1;
    if (offset !== have) {
      res.destroy();
      await truncate(o.dest, 0);
      throw new FetchError(`HTTP 206 from byte ${offset}, asked for ${have}: starting over`, 'fetch_failed');
    }
  } else if (status !== 200) {
    res.resume();
    throw new FetchError(`HTTP ${status}`, 'fetch_failed', permanent(status));
  }
  const announced = Number(res.headers['content-length'] ?? 0);
  if (offset + announced > o.maxBytes) {
    res.destroy();
    throw new FetchError(`${offset + announced} bytes > recognition.rollout.maxBytes ${o.maxBytes}`, 'too_large');
  }
  // every chunk is on disk as soon as it arrives (small synchronous writes), so a cut transfer keeps what it got
  const fd = openSync(o.dest, offset === 0 ? 'w' : 'a');
  let total = offset;
  try {
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > o.maxBytes) return void res.destroy(new FetchError(`more than recognition.rollout.maxBytes ${o.maxBytes} bytes`, 'too_large'));
        writeSync(fd, chunk);
      });
      res.on('end', () => (res.complete ? resolve() : reject(new FetchError(`transfer cut after ${total} bytes`, 'fetch_failed'))));
      res.on('error', reject);
      res.on('aborted', () => reject(new FetchError(`transfer cut after ${total} bytes`, 'fetch_failed')));
      res.on('close', () => (res.complete ? resolve() : reject(new FetchError(`transfer cut after ${total} bytes`, 'fetch_failed'))));
    });
  } finally {
    closeSync(fd);
  }
  if (announced && total !== offset + announced) throw new FetchError(`got ${total} of ${offset + announced} bytes`, 'fetch_failed');
  return total;
}
