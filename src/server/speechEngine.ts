/**
 * What the server needs from the voice pipeline, in the server's terms. The server never does DSP:
 * this is the one place that talks to src/pipeline (engineer D2's facade, engineer E's encoders,
 * engineer B's sentence buffer), so a change of their APIs touches only this file.
 */
import type { ErrorCode } from './errors.js';
import type { OutputFormat } from './protocol.js';
import type { TestHook } from '../pipeline/runtime/testHooks.js';

/** A test-only inference hook (the pipeline's, e.g. arming a worker to crash); see `SpeechEngine.runTestHook`. */
export type { TestHook };

/** One step of an incremental enrollment: sent to the client as an `embedding` event. */
export interface EmbeddingUpdate {
  readonly windows: number;
  /** Seconds of speech (VAD-kept) seen so far. */
  readonly speechSeconds: number;
  /** Cosine to the previous estimate; null for the first window. */
  readonly movedCosine: number | null;
  /** L2-normalised embedding, length `embeddingDim`. */
  readonly embedding: Float32Array;
}

/** Incremental speaker enrollment from a stream of reference PCM. */
export interface Enrollment {
  /** Feeds 16-bit mono PCM at the enrollment's input rate; resolves with the windows it completed. */
  push(pcm: Int16Array): Promise<readonly EmbeddingUpdate[]>;
  /** Releases the enrollment's buffers; pending pushes may still resolve. */
  close(): void;
}

/** Streamed text to sentences (B's sentenceBuffer): pieces in, complete sentences out. */
export interface SentenceSplitter {
  push(piece: string): string[];
  /** The rest, as the last sentence(s), when the text is final. */
  flush(): string[];
}

/** Encodes 16 kHz float samples into 20 ms output frames (Opus packets or PCM bytes). */
export interface FrameEncoder {
  push(samples16k: Float32Array): Uint8Array[];
  /** The last, zero-padded frame(s); with `atLeastOneFrame`, never none (a silent frame if needed). */
  flush(options?: { readonly atLeastOneFrame?: boolean }): Uint8Array[];
}

/** Seconds an utterance spent in pipeline stages; `synthesize` adds to it as audio is produced. */
export interface StageSeconds {
  synth: number;
  vocode: number;
}

export interface SpeechEngine {
  /** Resolves when models are loaded and inference workers are up (/readyz). */
  readonly ready: Promise<void>;
  isReady(): boolean;
  /** Length of speaker embeddings, for checking stored voices. */
  readonly embeddingDim: number;
  /** Identity of the loaded speaker encoder (stored with voices), or null. */
  readonly encoderId: string | null;
  createEnrollment(inputRate: number): Enrollment;
  createSentenceSplitter(): SentenceSplitter;
  createFrameEncoder(output: OutputFormat): FrameEncoder;
  /** The error code the text would get, or null when it has something speakable. */
  checkText(text: string): ErrorCode | null;
  /**
   * Synthesizes one sentence with a speaker embedding; yields 16 kHz float samples in [-1, 1] as
   * they are made (pieces of any length). Stops
   * (the iterator returns) within one chunk after `signal` aborts. Adds stage seconds into `stages`.
   * @throws Error with `code: 'busy'` when inference stayed saturated past the admission bound.
   */
  synthesize(request: {
    readonly text: string;
    readonly embedding: Float32Array;
    /** Sampler seed (integer 0..2^32-1); random when absent. */
    readonly seed?: number;
    readonly signal: AbortSignal;
    readonly stages: StageSeconds;
  }): AsyncIterable<Float32Array>;
  /** Work alive right now, for `RunningServer.stats()` (tests count it to prove cancellation frees it). */
  stats(): { readonly syntheses: number; readonly enrollments: number; readonly inferenceRunning: number; readonly inferenceQueued: number };
  /**
   * Test only: passes a hook to the inference pool (honoured only with CLONECAST_TEST_HOOKS=1).
   * @throws Error when hooks are disabled.
   */
  runTestHook(hook: TestHook): Promise<void>;
  close(): Promise<void>;
}
