/**
 * One RTVC utterance, produced piece by piece: Tacotron decoder steps -> the postnet over a window
 * of the decoder frames -> RTVC's WaveRNN stream. Each `next()` returns the audio of the next mel
 * chunk (chunks double from `firstChunkFrames` up to `maxChunkFrames`), so the first audio needs
 * only the first few decoder steps, not the whole spectrogram.
 *
 * Streaming differs from RTVC in one place, by design: RTVC's postnet (convolutions and a
 * bidirectional GRU) sees the whole utterance; here each chunk's postnet sees `postnetContext`
 * decoder frames on each side of it (an utterance shorter than that is exact). RTVC's trailing
 * trim (frames whose max is below `trimThreshold`) is exact: such frames are held until a louder
 * frame follows or the utterance ends, and then dropped.
 */
import { type KeepSource } from './prenetDropout.js';
import type { RtvcManifest, RtvcSessions } from './rtvcModels.js';
import { decoderSteps, runPostnet, type DecoderStep } from './tacotronDecoder.js';
import { FoldedWavernnStream, growingFolds } from './foldedWavernnStream.js';
import { WavernnStream } from './wavernnStream.js';

export interface RtvcUtteranceOptions {
  readonly ids: Int32Array;
  readonly speaker: Float32Array;
  readonly keep: KeepSource;
  /** Uniforms of the WaveRNN sampler (unbatched mode). */
  readonly uniforms: (n: number) => Float64Array;
  /** Per-fold uniforms (folded mode). */
  readonly rowUniforms?: (row: number, n: number) => Float64Array;
  readonly firstChunkFrames?: number;
  readonly maxChunkFrames?: number;
}

export interface RtvcPiece {
  readonly samples: Float32Array;
  readonly final: boolean;
  readonly synthSeconds: number;
  readonly vocodeSeconds: number;
}

export class RtvcUtterance {
  private readonly steps: Generator<DecoderStep>;
  private decoded = new Float32Array(0);
  private decoderDone = false;
  /** Frames already given to the vocoder. */
  private sent = 0;
  private chunk: number;
  private readonly vocoder: { push(mel: Float32Array, final: boolean): Float32Array };
  private finished = false;

  constructor(private readonly sessions: RtvcSessions, private readonly m: RtvcManifest, private readonly options: RtvcUtteranceOptions) {
    this.steps = decoderSteps(sessions.tacotron, m.tacotron, options.ids, options.speaker, { keep: options.keep });
    // the first chunk completes 2 frames (25 ms) of audio beyond the vocoder's look-ahead
    this.chunk = options.firstChunkFrames ?? m.wavernn.context + 2;
    const f = m.folds;
    this.vocoder = f && options.rowUniforms
      ? new FoldedWavernnStream(sessions.wavernn, m.wavernn, { schedule: growingFolds(f.first, f.growth, f.max), overlap: f.overlap, uniforms: options.rowUniforms, maxRows: f.maxRows })
      : new WavernnStream(sessions.wavernn, m.wavernn, { uniforms: options.uniforms });
  }

  get done(): boolean {
    return this.finished;
  }

  /** The next piece of audio (possibly empty only when final). */
  next(): RtvcPiece {
    let synth = 0, vocode = 0;
    const M = this.m.tacotron.nMels;
    for (;;) {
      const target = this.sent + this.chunk;
      const t0 = performance.now();
      while (!this.decoderDone && this.frames() < target + this.m.postnetContext) this.decodeStep();
      const available = this.frames();
      let end = Math.min(target, available);
      const from = Math.max(0, this.sent - this.m.postnetContext);
      const to = this.decoderDone ? available : Math.min(available, end + this.m.postnetContext);
      const post = runPostnet(this.sessions.tacotron, this.decoded.slice(from * M, to * M), M);
      // hold back frames that may turn out to be the trailing silence RTVC trims
      const last = this.decoderDone && end === available;
      let keepTo = end;
      while (keepTo > this.sent && maxOf(post, keepTo - 1 - from, M) < this.m.trimThreshold) keepTo--;
      end = keepTo; // at the end, such frames are dropped for good
      synth += (performance.now() - t0) / 1000;
      const mel = post.slice((this.sent - from) * M, (end - from) * M);
      this.sent = end;
      const t1 = performance.now();
      const samples = this.vocoder.push(mel, last);
      vocode += (performance.now() - t1) / 1000;
      if (last) this.finished = true;
      // folds run side by side only over mel that exists: decode further ahead when folded
      this.chunk = Math.min(this.options.maxChunkFrames ?? (this.m.folds ? 160 : 32), this.chunk * (this.m.folds ? 4 : 2));
      if (samples.length > 0 || last) return { samples, final: last, synthSeconds: synth, vocodeSeconds: vocode };
    }
  }

  private frames(): number {
    return this.decoded.length / this.m.tacotron.nMels;
  }

  private decodeStep(): void {
    const r = this.steps.next();
    if (r.done) {
      this.decoderDone = true;
      return;
    }
    const joined = new Float32Array(this.decoded.length + r.value.frames.length);
    joined.set(this.decoded);
    joined.set(r.value.frames, this.decoded.length);
    this.decoded = joined;
    if (r.value.last) this.decoderDone = true;
  }
}

function maxOf(mel: Float32Array, frame: number, M: number): number {
  let m = -Infinity;
  for (let i = 0; i < M; i++) m = Math.max(m, mel[frame * M + i]);
  return m;
}
