/**
 * One RTVC utterance on one thread, produced piece by piece: mel chunks (rtvcMelStream.ts) into
 * RTVC's WaveRNN, unbatched (wavernnStream.ts) or in growing folds (foldedWavernnStream.ts) as the
 * manifest says. Each `next()` returns the audio of the next mel chunk, so the first audio needs
 * only the first few decoder steps, not the whole spectrogram. The server runs the two halves on
 * two threads (rtvcVoicePipeline.ts); this is the same computation in one place (tools, tests).
 */
import { FoldedWavernnStream, growingFolds } from './foldedWavernnStream.js';
import type { KeepSource } from './prenetDropout.js';
import { RtvcMelStream } from './rtvcMelStream.js';
import type { RtvcManifest, RtvcSessions } from './rtvcModels.js';
import type { WavernnGraphs } from './wavernnVocoder.js';
import { WavernnStream } from './wavernnStream.js';

/** One utterance's symbols, voice and random sources (dropout masks, sampler uniforms). */
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

/** Audio of one mel chunk (16 kHz, [-1, 1]) and the seconds each stage took. */
export interface RtvcPiece {
  readonly samples: Float32Array;
  readonly final: boolean;
  readonly synthSeconds: number;
  readonly vocodeSeconds: number;
}

/** The vocoder of one utterance, as the manifest chooses it. */
export interface VocoderStream {
  push(mel: Float32Array, final: boolean): Float32Array;
}

/** The manifest's vocoder for one utterance: growing folds when `folds` is set, else RTVC's unbatched mode. */
export function createVocoderStream(graphs: WavernnGraphs, m: RtvcManifest, random: Pick<RtvcUtteranceOptions, 'uniforms' | 'rowUniforms'>): VocoderStream {
  const f = m.folds;
  if (f && random.rowUniforms) {
    return new FoldedWavernnStream(graphs, m.wavernn, { schedule: growingFolds(f.first, f.growth, f.max), overlap: f.overlap, uniforms: random.rowUniforms, maxRows: f.maxRows });
  }
  return new WavernnStream(graphs, m.wavernn, { uniforms: random.uniforms });
}

/** Mel chunks through the vocoder on the calling thread; `next()` until `done`. */
export class RtvcUtterance {
  private readonly mel: RtvcMelStream;
  private readonly vocoder: VocoderStream;
  private finished = false;

  constructor(sessions: RtvcSessions, m: RtvcManifest, options: RtvcUtteranceOptions) {
    this.mel = new RtvcMelStream(sessions.tacotron, m, options);
    this.vocoder = createVocoderStream(sessions.wavernn, m, options);
  }

  get done(): boolean {
    return this.finished;
  }

  /** The next piece of audio (possibly empty only when final). */
  next(): RtvcPiece {
    let synth = 0, vocode = 0;
    for (;;) {
      const chunk = this.mel.next();
      synth += chunk.synthSeconds;
      const t = performance.now();
      const samples = this.vocoder.push(chunk.mel, chunk.final);
      vocode += (performance.now() - t) / 1000;
      if (chunk.final) this.finished = true;
      if (samples.length > 0 || chunk.final) return { samples, final: chunk.final, synthSeconds: synth, vocodeSeconds: vocode };
    }
  }
}
