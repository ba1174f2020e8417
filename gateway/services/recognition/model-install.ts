import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import Value from 'typebox/value';
import { FetchError, fetchResumable } from './model-fetch.ts';
import { ModelAnnouncement, type ModelFetched, type RefusalReason } from './model-events.ts';
import { type LoadedModel, loadModelBytes, modelIdOfSha, sha256Hex } from './model.ts';
import { verifyModelSignature } from './model-signature.ts';
import { modelFiles, modelsDir } from './model-store.ts';
import type { RolloutConfig } from './rollout-config.ts';
import type { ModelSpec } from './slots.ts';

export class Refusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    detail: string,
  ) {
    super(detail);
  }
}

export interface Installed {
  model: LoadedModel;
  spec: ModelSpec;
  fetched: ModelFetched;
}

/** scheme, host and path: what may be logged and sent upstream of a URL whose query may carry a token */
export function safeUrl(url: unknown): string | null {
  try {
    const u = new URL(String(url));
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return null;
  }
}

/**
 * Announcement → a loaded model on disk, or a Refusal. The cheap checks come first (shape, signature over version,
 * hash and labels; the labels the live model and the catalog use), then the transfer, then the hash of what arrived,
 * then onnxruntime loads it (and runs it once). Nothing is installed unless every step passed; a refused file is deleted.
 */
export async function installAnnounced(
  raw: unknown,
  o: {
    key: KeyObject | null;
    liveLabels: string[];
    installed: string[];
    dataDir: string;
    cfg: RolloutConfig;
    delay: (ms: number) => Promise<void>;
    onRetry?: (attempt: number, err: Error) => void;
  },
): Promise<Installed> {
  if (!Value.Check(ModelAnnouncement, raw)) {
    const first = [...Value.Errors(ModelAnnouncement, raw)][0];
    throw new Refusal('invalid', `announcement: ${first ? `${first.instancePath || '/'} ${first.message}` : 'not an object'}`);
  }
  const a = raw;
  if (!o.key) throw new Refusal('no_public_key', 'recognition.rollout.publicKey is not configured: no model can be trusted');
  if (!verifyModelSignature(o.key, a)) throw new Refusal('bad_signature', 'the signature does not verify with the pinned model-signing key');
  if (JSON.stringify(a.labels) !== JSON.stringify(o.liveLabels))
    throw new Refusal('wrong_labels', `labels ${JSON.stringify(a.labels)} differ from the live model's ${JSON.stringify(o.liveLabels)}`);
  if (o.installed.includes(a.sha256)) throw new Refusal('already_installed', `${modelIdOfSha(a.sha256)} is already the live or shadow model`);
  if (a.sizeBytes && a.sizeBytes > o.cfg.maxBytes) throw new Refusal('too_large', `${a.sizeBytes} bytes > recognition.rollout.maxBytes ${o.cfg.maxBytes}`);

  const files = modelFiles(o.dataDir, a.sha256);
  await mkdir(modelsDir(o.dataDir), { recursive: true });
  let transfer: { bytes: number; attempts: number; resumedFrom: number[] };
  try {
    transfer = await fetchResumable({
      url: a.url,
      dest: files.part,
      maxBytes: o.cfg.maxBytes,
      attempts: o.cfg.fetchAttempts,
      timeoutMs: o.cfg.fetchTimeoutMs,
      retryDelayMs: o.cfg.retryDelayMs,
      delay: o.delay,
      ...(o.onRetry ? { onRetry: o.onRetry } : {}),
    });
  } catch (err) {
    const reason = err instanceof FetchError ? err.reason : 'fetch_failed';
    // a cut transfer stays for the next announcement to resume; one that is too large is useless
    if (reason === 'too_large') await rm(files.part, { force: true });
    throw new Refusal(reason, `${safeUrl(a.url)}: ${(err as Error).message}`);
  }
  const bytes = await readFile(files.part);
  const sha = sha256Hex(bytes);
  if (sha !== a.sha256) {
    await rm(files.part, { force: true });
    throw new Refusal('bad_hash', `the file's sha256 is ${sha}, the announcement says ${a.sha256}`);
  }
  let model: LoadedModel;
  try {
    model = await loadModelBytes(bytes, a.labels, 'the announced labels');
  } catch (err) {
    await rm(files.part, { force: true });
    throw new Refusal('not_loadable', `onnxruntime cannot run it: ${(err as Error).message.split('\n')[0]}`);
  }
  await writeFile(files.labels, `${JSON.stringify(a.labels)}\n`);
  await rename(files.part, files.model);
  return {
    model,
    spec: { modelPath: files.model, labelsPath: files.labels, version: a.version, origin: 'rollout' },
    fetched: { modelId: model.id, sha256: sha, version: a.version, ...transfer },
  };
}
