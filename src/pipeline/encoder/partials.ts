/** Partial-window embeddings and their running mean: the part the incremental and whole paths share. */
import type { Embedding } from '../types.js';
import type { InferenceClient } from '../runtime/tasks.js';
import type { EmbedderConfig } from './embedderConfig.js';

/** ONNX names of encoder.onnx (docs/models.md): `mels [B, partialFrames, nMels]` -> `embedding [B, dim]`. */
const INPUT = 'mels';
const OUTPUT = 'embedding';

/** Windows per inference call: bounds one call's latency and memory when much audio arrives at once. */
export const MAX_WINDOWS_PER_CALL = 16;

/**
 * Embeds the partial windows starting at `starts` (speech-frame indices into `frames`, a row-major
 * `[n][nMels]` array whose row 0 is speech frame `firstFrame`). Returns one embedding per window.
 */
export async function embedPartials(
  client: InferenceClient,
  config: EmbedderConfig,
  frames: Float32Array,
  firstFrame: number,
  starts: readonly number[],
): Promise<Float32Array[]> {
  const { partialFrames } = config;
  const nMels = config.features.nMels;
  const out: Float32Array[] = [];
  for (let b = 0; b < starts.length; b += MAX_WINDOWS_PER_CALL) {
    const batch = starts.slice(b, b + MAX_WINDOWS_PER_CALL);
    const mels = new Float32Array(batch.length * partialFrames * nMels);
    batch.forEach((start, i) => {
      const from = (start - firstFrame) * nMels;
      mels.set(frames.subarray(from, from + partialFrames * nMels), i * partialFrames * nMels);
    });
    const result = await client.run('encoder', { [INPUT]: { type: 'float32', data: mels, dims: [batch.length, partialFrames, nMels] } });
    const embedding = result[OUTPUT];
    if (!embedding || !(embedding.data instanceof Float32Array) || embedding.data.length !== batch.length * config.embeddingDim) {
      throw new Error(`encoder returned no ${OUTPUT} of shape [${batch.length}, ${config.embeddingDim}]`);
    }
    for (let i = 0; i < batch.length; i++) out.push(embedding.data.slice(i * config.embeddingDim, (i + 1) * config.embeddingDim));
  }
  return out;
}

/** Mean of L2-normalised partial embeddings (float64 sum), read out L2-normalised. */
export class RunningVoiceMean {
  private readonly sum: Float64Array;
  count = 0;

  constructor(dim: number) {
    this.sum = new Float64Array(dim);
  }

  add(partial: Float32Array): void {
    const norm = l2Norm(partial) || 1;
    for (let i = 0; i < this.sum.length; i++) this.sum[i] += partial[i] / norm;
    this.count++;
  }

  /** L2-normalise(mean of the partials); the mean's scale cancels, so this normalises the sum. */
  current(): Embedding {
    const out = new Float32Array(this.sum.length);
    let norm = 0;
    for (let i = 0; i < this.sum.length; i++) norm += this.sum[i] * this.sum[i];
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < this.sum.length; i++) out[i] = this.sum[i] / norm;
    return out;
  }
}

/** Cosine similarity of two vectors of equal length (0 when either is zero). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function l2Norm(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}
