/**
 * The vocoder's conditioning: mel frames -> small conv net (finite context) -> per-frame
 * pre-activations of both recurrent layers -> linear interpolation to every output sample.
 * Same arithmetic as Vocoder.conditioning / Vocoder.upsample in training/clonecast_train/vocoder/model.py.
 *
 * Each output row depends only on its own window of input rows, computed in a fixed order, so the
 * result does not depend on how an utterance is cut into chunks (chunked output = one-shot output).
 */
import type { VocoderDims, VocoderWeights } from './vocoderModel.js';

export class Conditioning {
  private readonly dims: VocoderDims;
  /** conv weights reordered [kernel][in][out] so the inner loop runs over contiguous outputs. */
  private readonly conv1: Float32Array;
  private readonly conv2: Float32Array;
  private readonly w: VocoderWeights;
  /** [hop][3] weights of cond[i-1], cond[i], cond[i+1] for each sample of block i. */
  readonly interp: Float32Array;

  constructor(dims: VocoderDims, weights: VocoderWeights) {
    this.dims = dims;
    this.w = weights;
    this.conv1 = reorderConv(weights.conv1W, dims.condChannels, dims.nMels, dims.kernel1);
    this.conv2 = reorderConv(weights.conv2W, dims.condChannels, dims.condChannels, dims.kernel2);
    this.interp = new Float32Array(dims.hop * 3);
    for (let k = 0; k < dims.hop; k++) {
      const pos = (k + 0.5) / dims.hop - 0.5;
      if (pos < 0) {
        this.interp[3 * k] = -pos;
        this.interp[3 * k + 1] = 1 + pos;
      } else {
        this.interp[3 * k + 1] = 1 - pos;
        this.interp[3 * k + 2] = pos;
      }
    }
  }

  /** Number of conditioning rows from `melRows` padded mel rows (valid convolutions). */
  rowsFrom(melRows: number): number {
    return Math.max(0, melRows - 2 * this.dims.context);
  }

  /**
   * mel [melRows][nMels] (log-mel, un-normalised) -> conditioning [melRows - 2*context][condDim].
   * Row q of the output depends on mel rows q .. q + 2*context.
   */
  frames(mel: Float32Array, melRows: number): Float32Array {
    const { nMels, condChannels: C, kernel1, kernel2, condDim: D } = this.dims;
    const rows1 = melRows - kernel1 + 1;
    const rows = this.rowsFrom(melRows);
    const out = new Float32Array(Math.max(0, rows) * D);
    if (rows <= 0) return out;
    const h1 = convLeaky(mel, nMels, rows1, this.conv1, this.w.conv1B, C, kernel1);
    const h2 = convLeaky(h1, C, rows, this.conv2, this.w.conv2B, C, kernel2);
    const acc = new Float64Array(D);
    const { condW, condB } = this.w;
    for (let q = 0; q < rows; q++) {
      for (let d = 0; d < D; d++) acc[d] = condB[d];
      for (let c = 0; c < C; c++) {
        const x = h2[q * C + c];
        if (x === 0) continue;
        const base = c * D;
        for (let d = 0; d < D; d++) acc[d] += x * condW[base + d];
      }
      out.set(acc, q * D);
    }
    return out;
  }

  /**
   * Writes the per-sample conditioning of `blocks` consecutive blocks of stream `stream` into `out`.
   * Rows and output are interleaved over `streams` streams: cond [rows][streams][condDim],
   * out [sample][streams][condDim]. Block j uses rows firstRow + j .. firstRow + j + 2 (frames i-1, i, i+1).
   */
  upsample(cond: Float32Array, firstRow: number, blocks: number, out: Float32Array, stream = 0, streams = 1): void {
    const { hop, condDim: D } = this.dims;
    const w = this.interp;
    for (let j = 0; j < blocks; j++) {
      const prev = ((firstRow + j) * streams + stream) * D, cur = prev + streams * D, next = cur + streams * D;
      for (let k = 0; k < hop; k++) {
        const w0 = w[3 * k], w1 = w[3 * k + 1], w2 = w[3 * k + 2];
        const o = ((j * hop + k) * streams + stream) * D;
        if (w0 !== 0) for (let d = 0; d < D; d++) out[o + d] = w0 * cond[prev + d] + w1 * cond[cur + d];
        else for (let d = 0; d < D; d++) out[o + d] = w1 * cond[cur + d] + w2 * cond[next + d];
      }
    }
  }
}

/** [out][in][k] -> [k][in][out]. */
function reorderConv(w: Float32Array, outCh: number, inCh: number, kernel: number): Float32Array {
  const r = new Float32Array(w.length);
  for (let o = 0; o < outCh; o++)
    for (let i = 0; i < inCh; i++)
      for (let k = 0; k < kernel; k++) r[(k * inCh + i) * outCh + o] = w[(o * inCh + i) * kernel + k];
  return r;
}

/** Valid 1-d convolution over rows then leaky ReLU (slope 0.1): x [rows + kernel - 1][inCh] -> [rows][outCh]. */
function convLeaky(x: Float32Array, inCh: number, rows: number, w: Float32Array, b: Float32Array, outCh: number, kernel: number): Float32Array {
  const out = new Float32Array(rows * outCh);
  const acc = new Float64Array(outCh);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outCh; o++) acc[o] = b[o];
    for (let k = 0; k < kernel; k++) {
      const row = (r + k) * inCh;
      for (let i = 0; i < inCh; i++) {
        const v = x[row + i];
        const base = (k * inCh + i) * outCh;
        for (let o = 0; o < outCh; o++) acc[o] += v * w[base + o];
      }
    }
    for (let o = 0; o < outCh; o++) {
      const v = acc[o];
      out[r * outCh + o] = v >= 0 ? v : 0.1 * v;
    }
  }
  return out;
}
