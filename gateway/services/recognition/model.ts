import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type * as Ort from 'onnxruntime-node';
import { loadOnnxRuntime } from './onnxruntime.ts';
import { INPUT_SIZE } from './preprocess.ts';

export const PIXELS = INPUT_SIZE * INPUT_SIZE;

export interface LoadedModel {
  /** `product-cnn-<first 12 hex of the file's sha256>`: changes whenever the weights do */
  id: string;
  /** the ONNX file's sha256 (hex): what a rollout announces and verifies */
  sha256: string;
  labels: string[];
  embeddingSize: number;
  /** `input` holds n images of 28x28 back to back */
  run(input: Float32Array, n: number): Promise<{ logits: Float32Array; embedding: Float32Array }>;
  close(): Promise<void>;
}

/** `product-cnn-<first 12 hex of the file's sha256>`: changes whenever the weights do */
export const modelIdOf = (bytes: Uint8Array) => modelIdOfSha(sha256Hex(bytes));
export const modelIdOfSha = (sha256: string) => `product-cnn-${sha256.slice(0, 12)}`;
export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export async function loadModel(modelPath: string, labelsPath: string): Promise<LoadedModel> {
  const [bytes, labelsText] = await Promise.all([readFile(modelPath), readFile(labelsPath, 'utf8')]);
  let labels: unknown;
  try {
    labels = JSON.parse(labelsText);
  } catch {
    throw new Error(`${labelsPath}: not JSON`);
  }
  return loadModelBytes(bytes, labels, labelsPath);
}

/** `labelsFrom` names where the labels came from, for the error message. */
export async function loadModelBytes(bytes: Uint8Array, labels: unknown, labelsFrom = 'labels'): Promise<LoadedModel> {
  // onnxruntime-node is loaded with the model, not with the gateway (see recognition's lazy start), telemetry off
  const ort: typeof Ort = await loadOnnxRuntime();
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) throw new Error(`${labelsFrom}: expected a JSON array of label strings`);
  // 1 intra-op thread: on a 2-core box a second thread halves throughput (see MEASURED.md)
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const hasEmbedding = session.outputNames.includes('embedding');
  const logitsName = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0]!;
  const inputName = session.inputNames[0]!;
  let embeddingSize = 0;
  const run = async (input: Float32Array, n: number) => {
    const tensor = new ort.Tensor('float32', input.subarray(0, n * PIXELS), [n, 1, INPUT_SIZE, INPUT_SIZE]);
    const out = await session.run({ [inputName]: tensor });
    const logits = out[logitsName]!.data as Float32Array;
    const embedding = hasEmbedding ? (out.embedding!.data as Float32Array) : new Float32Array(0);
    embeddingSize = embedding.length / n;
    return { logits, embedding };
  };
  // one warm-up run so the first frame does not pay for lazy initialisation
  let outCount: number;
  try {
    outCount = (await run(new Float32Array(PIXELS), 1)).logits.length;
  } catch (err) {
    await session.release();
    throw new Error(`the model does not take a [N,1,28,28] input: ${(err as Error).message}`);
  }
  if (outCount !== labels.length) {
    await session.release();
    throw new Error(`model has ${outCount} classes but ${labelsFrom} lists ${labels.length}`);
  }
  const sha256 = sha256Hex(bytes);
  return {
    id: modelIdOfSha(sha256),
    sha256,
    labels: labels as string[],
    get embeddingSize() {
      return embeddingSize;
    },
    run,
    close: () => session.release(),
  };
}

export function softmax(logits: Float32Array, from: number, n: number): number[] {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[from + i]!);
  const e: number[] = [];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.exp(logits[from + i]! - max);
    e.push(v);
    sum += v;
  }
  return e.map((v) => v / sum);
}
