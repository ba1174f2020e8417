import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths that may hold secrets or one-time codes: pino replaces them before a line is written. */
export const REDACT_PATHS = [
  'password',
  'secret',
  'token',
  'code',
  'pickupCode',
  'authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.code',
  '*.pickupCode',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
];

export interface LogOptions {
  level?: string;
  pretty?: boolean;
  /** Tests pass a stream to assert on parsed log lines. */
  destination?: pino.DestinationStream;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const base: pino.LoggerOptions = {
    level: opts.level ?? 'info',
    base: { app: 'storegate' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (opts.destination) return pino(base, opts.destination);
  if (opts.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(base);
}

/** A logger that writes nowhere, for tools and tests that do not care. */
export const silentLogger: Logger = pino({ level: 'silent' });
