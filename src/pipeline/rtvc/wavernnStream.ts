/**
 * RTVC's WaveRNN, progressively: mel chunks in, the audio they complete out, with the recurrent
 * state, the de-emphasis filter and the sampler carried between chunks. This is RTVC's unbatched
 * `infer_waveform` cut into pieces: a chunk's samples are generated once the `context` frames after
 * it have arrived (or the utterance ended), so joins are exact, not crossfaded.
 *
 * RTVC crops its output to (T - 1) * hop samples and fades the last `fadeOutSamples` out. The last
 * frame is therefore never generated here; the fade covers the last `fadeOutSamples` samples when
 * that many are still held (`holdbackSamples` >= fadeOutSamples: identical to RTVC, at that much
 * extra latency), else only what the final chunk produced (the default keeps latency low).
 */
import { classToSample, Deemphasis, fadeOutTail, mulawDecode } from './wavernnPostprocess.js';
import { freshLoopState, sampleLoop, upsampleFrames, type LoopState, type WavernnConfig, type WavernnGraphs } from './wavernnVocoder.js';

/** The sampler's uniforms and how much audio to hold back for the final fade. */
export interface WavernnStreamOptions {
  /** Uniforms for the next `n` samples (seeded generator, or recorded draws in tests). */
  readonly uniforms: (n: number) => Float64Array;
  /** Samples kept back until the end is known (default 0). */
  readonly holdbackSamples?: number;
}

/** RTVC's unbatched WaveRNN over mel chunks: `push` returns the samples the chunk completes. */
export class WavernnStream {
  /** Frames received so far (utterance index of the next frame). */
  private received = 0;
  /** Frames whose samples have been generated. */
  private done = 0;
  /** Received frames from utterance index `bufferStart` on ([frames][nMels]). */
  private buffer = new Float32Array(0);
  private bufferStart = 0;
  private loop: LoopState;
  private readonly deemphasis: Deemphasis;
  private pending = new Float64Array(0);
  private finished = false;

  constructor(private readonly graphs: WavernnGraphs, private readonly config: WavernnConfig, private readonly options: WavernnStreamOptions) {
    this.loop = freshLoopState(config);
    this.deemphasis = new Deemphasis(config.preemphasis);
  }

  /**
   * Adds `frames` mel frames ([frames][nMels], synthesizer scale); returns the 16 kHz samples this
   * completes. `final`: no more frames follow; everything left is flushed.
   */
  push(mel: Float32Array, final: boolean): Float32Array {
    if (this.finished) throw new Error('the vocoder stream has ended');
    const M = this.config.nMels;
    const joined = new Float32Array(this.buffer.length + mel.length);
    joined.set(this.buffer);
    joined.set(mel, this.buffer.length);
    this.buffer = joined;
    this.received += mel.length / M;
    const total = final ? this.received : Infinity;
    const end = final ? Math.max(0, this.received - 1) : this.received - this.config.context;
    if (end > this.done) {
      const feats = upsampleFrames(this.graphs, this.config, this.buffer, this.done, end, this.bufferStart, total);
      const n = (end - this.done) * this.config.hop;
      const { classes, state } = sampleLoop(this.graphs, this.config, feats, 1, this.options.uniforms(n), this.loop);
      this.loop = state;
      const fresh = Float64Array.from(classes, (c) => mulawDecode(classToSample(Number(c), this.config.classes), this.config.classes));
      this.deemphasis.apply(fresh);
      const all = new Float64Array(this.pending.length + n);
      all.set(this.pending);
      all.set(fresh, this.pending.length);
      this.pending = all;
      this.done = end;
      // keep only the frames later chunks still need as context
      const keepFrom = Math.max(this.bufferStart, this.done - this.config.context);
      this.buffer = this.buffer.slice((keepFrom - this.bufferStart) * M);
      this.bufferStart = keepFrom;
    }
    if (final) {
      this.finished = true;
      fadeOutTail(this.pending, this.config.fadeOutSamples);
      const out = Float32Array.from(this.pending);
      this.pending = new Float64Array(0);
      return out;
    }
    const emit = Math.max(0, this.pending.length - (this.options.holdbackSamples ?? 0));
    const out = Float32Array.from(this.pending.subarray(0, emit));
    this.pending = this.pending.slice(emit);
    return out;
  }
}
