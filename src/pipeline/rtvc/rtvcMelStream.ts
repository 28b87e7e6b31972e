/**
 * The synthesizer half of an RTVC utterance: Tacotron decoder steps -> the postnet over a window
 * of decoder frames -> mel chunks (frame-major), growing from `firstChunkFrames`. It can run on its
 * own thread while another vocodes the previous chunk (rtvcVoicePipeline.ts).
 *
 * Streaming differs from RTVC in one place, by design: RTVC's postnet (convolutions and a
 * bidirectional GRU) sees the whole utterance; here each chunk's postnet sees `postnetContext`
 * decoder frames on each side of it (an utterance shorter than that is exact). RTVC's trailing
 * trim (frames whose max is below `trimThreshold`) is exact: such frames are held until a louder
 * frame follows or the utterance ends, and then dropped.
 */
import type { KeepSource } from './prenetDropout.js';
import type { RtvcManifest } from './rtvcModels.js';
import { decoderSteps, runPostnet, type DecoderStep, type TacotronGraphs } from './tacotronDecoder.js';

/** One utterance's symbols, voice and dropout masks, and its chunk sizes (frames). */
export interface RtvcMelStreamOptions {
  readonly ids: Int32Array;
  readonly speaker: Float32Array;
  readonly keep: KeepSource;
  readonly firstChunkFrames?: number;
  readonly maxChunkFrames?: number;
}

/** The next mel frames of an utterance. */
export interface MelChunk {
  /** [frames][nMels], synthesizer scale; may be empty. */
  readonly mel: Float32Array;
  /** True for the utterance's last chunk. */
  readonly final: boolean;
  readonly synthSeconds: number;
}

/** Tacotron + postnet of one utterance; `next()` decodes as far as the next chunk needs. */
export class RtvcMelStream {
  private readonly steps: Generator<DecoderStep>;
  private decoded = new Float32Array(0);
  private decoderDone = false;
  /** Frames already handed out. */
  private sent = 0;
  private chunk: number;
  private finished = false;

  constructor(private readonly tacotron: TacotronGraphs, private readonly m: RtvcManifest, private readonly options: RtvcMelStreamOptions) {
    this.steps = decoderSteps(tacotron, m.tacotron, options.ids, options.speaker, { keep: options.keep });
    // the first chunk completes 2 frames (25 ms) of audio beyond the vocoder's look-ahead
    this.chunk = options.firstChunkFrames ?? m.wavernn.context + 2;
  }

  get done(): boolean {
    return this.finished;
  }

  next(): MelChunk {
    const t0 = performance.now();
    const M = this.m.tacotron.nMels;
    const target = this.sent + this.chunk;
    while (!this.decoderDone && this.frames() < target + this.m.postnetContext) this.decodeStep();
    const available = this.frames();
    let end = Math.min(target, available);
    const from = Math.max(0, this.sent - this.m.postnetContext);
    const to = this.decoderDone ? available : Math.min(available, end + this.m.postnetContext);
    const post = runPostnet(this.tacotron, this.decoded.slice(from * M, to * M), M);
    const last = this.decoderDone && end === available;
    // hold back frames that may turn out to be the trailing silence RTVC trims (at the end: dropped)
    while (end > this.sent && maxOf(post, end - 1 - from, M) < this.m.trimThreshold) end--;
    const mel = post.slice((this.sent - from) * M, (end - from) * M);
    this.sent = end;
    if (last) this.finished = true;
    // folds run side by side only over mel that exists: decode further ahead when folded
    this.chunk = Math.min(this.options.maxChunkFrames ?? (this.m.folds ? 160 : 32), this.chunk * (this.m.folds ? 4 : 2));
    return { mel, final: last, synthSeconds: (performance.now() - t0) / 1000 };
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
