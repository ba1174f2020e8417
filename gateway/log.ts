import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Keys that hold secrets or one-time codes: pino replaces them (at the top of a line's object and one level
 * down) before a line is written. The config's own secret keys (every `x-secret` leaf name in the schema) are
 * here too; a test keeps the list in step with the schema.
 */
const SECRET_KEYS = [
  'password',
  'secret',
  'token',
  'code',
  'pickupCode',
  'authorization',
  'adminToken',
  'staffToken',
  'codeKey',
  'hmacKey',
  'pseudonymKey',
  'salt',
  'posToken',
];
export const REDACT_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), 'req.headers.authorization', 'headers.authorization'];

/** Secrets shorter than this are only scrubbed as a whole JSON string value, so a short one cannot garble the log. */
const MIN_SCRUB_SUBSTRING = 8;

/**
 * A last line of defence for values rather than keys: every occurrence of a known secret (the config's
 * `x-secret` values) in a written line becomes the censor, wherever it was logged (an error message, a URL).
 */
export function secretScrubber(secrets: readonly string[], censor = '[redacted]'): ((line: string) => string) | undefined {
  const inJson = [...new Set(secrets.filter(Boolean).map((s) => JSON.stringify(s).slice(1, -1)))].sort((a, b) => b.length - a.length);
  if (!inJson.length) return undefined;
  return (line) => {
    let out = line;
    for (const s of inJson) {
      if (!out.includes(s)) continue;
      out = s.length >= MIN_SCRUB_SUBSTRING ? out.replaceAll(s, censor) : out.replaceAll(`"${s}"`, `"${censor}"`);
    }
    return out;
  };
}

export interface LogOptions {
  level?: string;
  pretty?: boolean;
  /** Tests pass a stream to assert on parsed log lines. */
  destination?: pino.DestinationStream;
  /** secret values never to be written, whatever key they are logged under (see secretValues in config/secrets.ts) */
  secrets?: readonly string[];
}

export function createLogger(opts: LogOptions = {}): Logger {
  const base: pino.LoggerOptions = {
    level: opts.level ?? 'info',
    base: { app: 'storegate' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  const scrub = secretScrubber(opts.secrets ?? []);
  if (scrub) base.hooks = { streamWrite: scrub };
  if (opts.destination) return pino(base, opts.destination);
  if (opts.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(base);
}

/** A logger that writes nowhere, for tools and tests that do not care. */
export const silentLogger: Logger = pino({ level: 'silent' });
