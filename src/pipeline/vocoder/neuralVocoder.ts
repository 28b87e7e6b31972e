/**
 * The neural vocoder's streaming: mel chunks -> conditioning and each block's linear prediction
 * coefficients -> sample loop (native or ONNX: prediction + sampled excitation) -> mu-law decode ->
 * de-emphasis, with everything a stream needs carried in its state bytes (the recurrent state and
 * the prediction's sample history). Several streams' chunks can run as one batch (one loop call for B streams).
 */
import type { VocodeRequest, VocodeResult } from '../runtime/tasks.js';
import type { Conditioning } from './conditioning.js';
import { VocoderError } from './errors.js';
import type { MelLpc } from './lpc.js';
import { advanceMel } from './melWindow.js';
import { deemphasize, highpassClip, muLawTable } from './mulaw.js';
import { fillUniforms } from './rng.js';
import type { SampleLoop } from './sampleLoop.js';
import { StateKind, decodeState, encodeState, type StreamState } from './streamState.js';
import type { VocoderModel } from './vocoderModel.js';

/** A chunk prepared for the sample loop. */
interface Prepared {
  readonly state: StreamState;
  /** Conditioning rows [blocks + 2][condDim] of the blocks to emit. */
  readonly cond: Float32Array;
  /** Prediction coefficients [blocks][lpcOrder] of the blocks to emit. */
  readonly lpc: Float32Array;
  readonly blocks: number;
}

export class NeuralVocoder {
  private readonly table: Float64Array;

  /**
   * @param cond the model's conditioning net (shared with the loop that upsamples with it)
   * @param lpc the model's mel -> prediction coefficients (manifest `vocoder.lpc`)
   * @param fingerprint identifies the weights inside stream states (first 32 bits of their sha256)
   * @param sampleRate output rate (Hz), for the output high-pass
   */
  constructor(
    private readonly model: VocoderModel, private readonly cond: Conditioning, private readonly lpc: MelLpc, private readonly loop: SampleLoop,
    private readonly fingerprint: number, private readonly sampleRate: number,
  ) {
    this.table = muLawTable(model.dims.muBits);
  }

  get engine(): string {
    return this.loop.engine;
  }

  /** One stream's chunk (see {@link vocodeBatch}). */
  vocode(req: VocodeRequest): VocodeResult {
    return this.vocodeBatch([req])[0];
  }

  /**
   * Chunks of different streams (one per stream). Chunks that complete the same number of
   * samples share one loop call; each stream's output is the same as when run alone.
   */
  vocodeBatch(reqs: readonly VocodeRequest[]): VocodeResult[] {
    const { hop, condDim: D, hidden1: H1, hidden2: H2, lpcOrder: P, preemphasis } = this.model.dims;
    const prepared = reqs.map((r) => this.prepare(r));
    const results: VocodeResult[] = new Array(reqs.length);
    const groups = new Map<number, number[]>();
    prepared.forEach((p, i) => {
      const g = groups.get(p.blocks);
      if (g) g.push(i);
      else groups.set(p.blocks, [i]);
    });
    for (const [blocks, members] of groups) {
      const n = blocks * hop;
      const B = members.length;
      const classes = new Int32Array(n * B);
      if (n > 0) {
        // Frame rows of all streams interleaved: [blocks + 2][B][condDim], [blocks][B][lpcOrder].
        const rows = new Float32Array((blocks + 2) * B * D);
        const lpcRows = new Float32Array(blocks * B * P);
        const uniform = new Float32Array(n * B);
        const h1 = new Float32Array(B * H1), h2 = new Float32Array(B * H2), prev = new Int32Array(B), hist = new Float32Array(B * P);
        members.forEach((i, b) => {
          const p = prepared[i];
          for (let r = 0; r < blocks + 2; r++) rows.set(p.cond.subarray(r * D, (r + 1) * D), (r * B + b) * D);
          for (let r = 0; r < blocks; r++) lpcRows.set(p.lpc.subarray(r * P, (r + 1) * P), (r * B + b) * P);
          p.state.rng = fillUniforms(p.state.rng, uniform, n, b, B);
          h1.set(p.state.vector.subarray(0, H1), b * H1);
          h2.set(p.state.vector.subarray(H1, H1 + H2), b * H2);
          hist.set(p.state.vector.subarray(H1 + H2, H1 + H2 + P), b * P);
          prev[b] = p.state.prev;
        });
        classes.set(this.loop.run(rows, lpcRows, blocks, uniform, B, { h1, h2, prev, hist }));
        members.forEach((i, b) => {
          const s = prepared[i].state;
          s.vector.set(h1.subarray(b * H1, (b + 1) * H1), 0);
          s.vector.set(h2.subarray(b * H2, (b + 1) * H2), H1);
          s.vector.set(hist.subarray(b * P, (b + 1) * P), H1 + H2);
          s.prev = prev[b];
        });
      }
      members.forEach((i, b) => {
        const s = prepared[i].state;
        const x = new Float64Array(n);
        for (let t = 0; t < n; t++) x[t] = this.table[classes[t * B + b]];
        const samples = new Float32Array(n);
        s.yPrev = deemphasize(x, preemphasis, s.yPrev);
        highpassClip(x, this.sampleRate, s.highpass, samples);
        results[i] = { samples, state: encodeState(s) };
      });
    }
    return results;
  }

  /**
   * Validates state, adds the chunk's mel, computes the conditioning rows and the prediction
   * coefficients its blocks need. Block j's coefficients come from its own frame: the padded row
   * at the centre of its window, firstBlockRow + j + pad.
   */
  private prepare(req: VocodeRequest): Prepared {
    const { nMels, context, hidden1, hidden2, lpcOrder, classes } = this.model.dims;
    const state = req.state
      ? decodeState(req.state, StateKind.Neural, this.fingerprint, hidden1 + hidden2 + lpcOrder, nMels)
      : this.initialState(req.seed);
    const pad = context + 1;
    const win = advanceMel(state, req.mel, req.frames, req.final, pad, nMels);
    if (!(state.prev >= 0 && state.prev < classes)) throw new VocoderError('vocoder_bad_state', `vocoder state rejected: previous class ${state.prev} out of range`);
    if (!state.vector.subarray(hidden1 + hidden2).every((v) => v >= -1 && v <= 1)) {
      throw new VocoderError('vocoder_bad_state', 'vocoder state rejected: a sample of the prediction history is outside [-1, 1]');
    }
    const used = win.blocks > 0 ? win.blocks + 2 * context + 2 : 0;
    const rows = win.rows.subarray(win.firstBlockRow * nMels, (win.firstBlockRow + used) * nMels);
    const cond = this.loop.conditionFrames ? this.loop.conditionFrames(rows, used) : this.cond.frames(rows, used);
    const lpc = new Float32Array(win.blocks * lpcOrder);
    for (let j = 0; j < win.blocks; j++) this.lpc.coefficients(win.rows, (win.firstBlockRow + j + pad) * nMels, lpc, j * lpcOrder);
    return { state, cond, lpc, blocks: win.blocks };
  }

  private initialState(seed: number): StreamState {
    const { hidden1, hidden2, lpcOrder, classes } = this.model.dims;
    return {
      kind: StateKind.Neural, model: this.fingerprint, rng: seed >>> 0, prev: classes >> 1, yPrev: 0, highpass: new Float64Array(4),
      framesSeen: 0, blocksEmitted: 0, finished: false,
      // h1 | h2 | the prediction's history (zeros: silence before the utterance)
      vector: new Float32Array(hidden1 + hidden2 + lpcOrder), tail: new Float32Array(0), tailRows: 0,
    };
  }
}
