import { readFile, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { RecognitionConfig } from './config.ts';
import { createRecognitionService } from './service.ts';

export interface RecognizeLine {
  file: string;
  label?: string;
  labelIndex?: number;
  score?: number;
  unsure?: boolean;
  top?: Array<{ label: string; score: number }>;
  model?: string;
  error?: string;
}

/**
 * The body of `storegate recognize [--json] <files…>`: one line per file (JSON with --json), then a summary.
 * A bad file is a line with `error`, not a failure: the exit code is 0 once the list was processed.
 */
export async function recognizeFiles(
  files: string[],
  opts: { json: boolean; log: Logger; config?: Partial<RecognitionConfig>; write?: (line: string) => void },
): Promise<{ exitCode: number; ok: number; failed: number }> {
  const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const svc = createRecognitionService({ log: opts.log, metrics: new Registry(), config: opts.config ?? {} });
  await svc.start();
  const model = svc.status().modelId;
  let ok = 0;
  let failed = 0;
  const limit = svc.status().config.maxBytes;
  const one = async (file: string): Promise<RecognizeLine> => {
    try {
      if ((await stat(file)).size > limit) throw Object.assign(new Error(`image too large: more than ${limit} bytes`), { code: 'SG_IMAGE_TOO_LARGE' });
      const r = await svc.recognise(await readFile(file));
      ok++;
      return {
        file,
        label: r.label,
        labelIndex: r.classIndex,
        score: round(r.confidence),
        unsure: r.unsure,
        top: r.top.map((t) => ({ label: t.label, score: round(t.confidence) })),
        model: r.modelId,
      };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      failed++;
      return { file, error: e.code ? `${e.code}: ${e.message}` : e.message };
    }
  };
  try {
    // a few files in flight: the next ones are read and decoded (sharp's threads) while one is inferred; lines stay in order
    const inFlight: Array<Promise<RecognizeLine>> = [];
    for (let i = 0; i < files.length || inFlight.length > 0; ) {
      while (i < files.length && inFlight.length < IN_FLIGHT) inFlight.push(one(files[i++]!));
      const line = await inFlight.shift()!;
      write(opts.json ? JSON.stringify(line) : human(line));
    }
  } finally {
    await svc.stop();
  }
  const summary = { summary: { files: files.length, recognised: ok, failed, model } };
  write(opts.json ? JSON.stringify(summary) : `${ok} recognised, ${failed} failed, of ${files.length}`);
  return { exitCode: 0, ok, failed };
}

const IN_FLIGHT = 4;
const round = (v: number) => Math.round(v * 1e4) / 1e4;

function human(l: RecognizeLine): string {
  if (l.error) return `${l.file}: error ${l.error}`;
  return `${l.file}: ${l.label}${l.unsure ? ' (unsure)' : ''} ${((l.score ?? 0) * 100).toFixed(1)}%  [${l.top?.map((t) => `${t.label} ${(t.score * 100).toFixed(0)}%`).join(', ')}]`;
}
