import { createLogMelExtractor } from '../audio/logMel.js';
import { createResampler, type Resampler } from '../audio/resampler.js';
import type { InferenceClient } from '../runtime/tasks.js';
import type { Embedding } from '../types.js';
import { type EmbedderConfig, validateEmbedderConfig } from './embedderConfig.js';
import { cosine, embedPartials, RunningVoiceMean } from './partials.js';
import { selectSpeechFrames } from './vad.js';

/** The voice estimate after one more partial window. */
export interface EmbeddingUpdate {
  /** Partial windows averaged so far (1, 2, ...). */
  readonly windows: number;
  /** Seconds of speech up to the end of this window (speech frames x hop / rate). */
  readonly speechSeconds: number;
  /** L2-normalised mean of the partial embeddings so far, length `embeddingDim`. */
  readonly embedding: Embedding;
  /** Cosine between this estimate and the previous one; null for the first window. */
  readonly movedCosine: number | null;
}

/**
 * Incremental enrollment: reference audio arrives in pieces of any size; after each complete
 * partial window of speech frames (docs/models.md) the voice estimate is updated. After the same
 * audio, the latest embedding equals {@link embedWhole}'s.
 */
export interface SlidingWindowEmbedder {
  /**
   * Feeds float samples in [-1, 1] at `inputRate`; resolves to the updates (one per window) they
   * complete, possibly none. Calls may overlap: audio is consumed in call order, and updates are
   * produced in order. A rejected call (inference failed) loses its windows; later calls go on.
   */
  push(samples: Float32Array): Promise<EmbeddingUpdate[]>;
  /** The newest update, or null before the first window. */
  readonly latest: EmbeddingUpdate | null;
  /** Windows scheduled so far (including any still being embedded). */
  readonly windowsScheduled: number;
  /** Seconds of speech received so far (all speech frames, complete window or not). */
  readonly speechSeconds: number;
}

export interface SlidingWindowEmbedderOptions {
  readonly client: InferenceClient;
  readonly config: EmbedderConfig;
  /** Rate of the pushed samples (Hz, 8000..48000); default the feature's rate (16 kHz). */
  readonly inputRate?: number;
}

/** Creates an incremental embedder; see {@link SlidingWindowEmbedder}. */
export function slidingWindowEmbedder(options: SlidingWindowEmbedderOptions): SlidingWindowEmbedder {
  return new IncrementalEmbedder(options.client, validateEmbedderConfig(options.config), options.inputRate);
}

class IncrementalEmbedder implements SlidingWindowEmbedder {
  latest: EmbeddingUpdate | null = null;
  private readonly extractor;
  private readonly resampler: Resampler | null;
  private readonly mean: RunningVoiceMean;
  /** Speech frames not yet behind the next window start; row 0 is speech frame `firstFrame`. */
  private frames: Float32Array;
  private firstFrame = 0;
  private speechFrames = 0;
  private nextStart = 0;
  private scheduled = 0;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: InferenceClient, private readonly config: EmbedderConfig, inputRate?: number) {
    const rate = config.features.sampleRate;
    this.extractor = createLogMelExtractor(config.features);
    this.resampler = inputRate === undefined || inputRate === rate ? null : createResampler(inputRate, rate);
    this.mean = new RunningVoiceMean(config.embeddingDim);
    this.frames = new Float32Array(2 * config.partialFrames * config.features.nMels);
  }

  get windowsScheduled(): number {
    return this.scheduled;
  }

  get speechSeconds(): number {
    return this.frameSeconds(this.speechFrames);
  }

  push(samples: Float32Array): Promise<EmbeddingUpdate[]> {
    const { partialFrames, partialHop, vadThresholdDb } = this.config;
    const nMels = this.config.features.nMels;
    const audio = this.resampler ? this.resampler.push(samples) : samples;
    const speech = selectSpeechFrames(this.extractor.push(audio), vadThresholdDb);
    this.append(speech.data, speech.frames);
    const starts: number[] = [];
    while (this.nextStart + partialFrames <= this.speechFrames) {
      starts.push(this.nextStart);
      this.nextStart += partialHop;
    }
    this.scheduled += starts.length;
    // Copy the frames these windows read now, so the buffer can drop what no later window needs.
    const firstFrame = this.firstFrame;
    const windowFrames = starts.length === 0 ? new Float32Array(0) : this.frames.slice(0, (starts[starts.length - 1] + partialFrames - firstFrame) * nMels);
    this.dropBefore(this.nextStart);
    const work = this.chain.then(() => this.embed(windowFrames, firstFrame, starts));
    this.chain = work.catch(() => undefined);
    return work;
  }

  private async embed(frames: Float32Array, firstFrame: number, starts: number[]): Promise<EmbeddingUpdate[]> {
    if (starts.length === 0) return [];
    const partials = await embedPartials(this.client, this.config, frames, firstFrame, starts);
    return partials.map((partial, i) => {
      this.mean.add(partial);
      const embedding = this.mean.current();
      const previous = this.latest;
      this.latest = {
        windows: this.mean.count,
        speechSeconds: this.frameSeconds(starts[i] + this.config.partialFrames),
        embedding,
        movedCosine: previous ? cosine(previous.embedding, embedding) : null,
      };
      return this.latest;
    });
  }

  private append(data: Float32Array, count: number): void {
    const nMels = this.config.features.nMels;
    const held = (this.speechFrames - this.firstFrame) * nMels;
    if (held + data.length > this.frames.length) {
      const grown = new Float32Array(Math.max(2 * this.frames.length, held + data.length));
      grown.set(this.frames.subarray(0, held));
      this.frames = grown;
    }
    this.frames.set(data, held);
    this.speechFrames += count;
  }

  private dropBefore(frame: number): void {
    const nMels = this.config.features.nMels;
    const drop = Math.min(frame, this.speechFrames) - this.firstFrame;
    if (drop <= 0) return;
    this.frames.copyWithin(0, drop * nMels, (this.speechFrames - this.firstFrame) * nMels);
    this.firstFrame += drop;
  }

  private frameSeconds(frames: number): number {
    return (frames * this.config.features.hopLength) / this.config.features.sampleRate;
  }
}
