/**
 * The voice pipeline facade: everything the server needs, and the only thing it calls, to clone a
 * voice and speak with it. It composes the stages (text front end, sliding-window speaker encoder,
 * chunked synthesizer, vocoder) over one inference client (the worker pool, or in-process for tools),
 * reports per-stage seconds, and turns cancellation into an early, quiet end of the audio.
 *
 * Errors carry a stable `code`: `no_speakable_text` (TextError), `unsupported_sample_rate`
 * (SampleRateError), `busy` / `worker_crashed` / `vocoder_unavailable` / `inference_failed`
 * (RuntimeError), `invalid_embedding` / `not_ready` / `closed` (PipelineError), and the
 * synthesizer's SynthesisError codes (`too_long`, ...).
 */
import { int16ToFloat } from './audio/wav.js';
import { assertVoiceEmbedding, PipelineError } from './pipelineError.js';
import { embedderConfigFromManifest, slidingWindowEmbedder, type EmbedderConfig, type EmbeddingUpdate } from './encoder/index.js';
import { createInProcessClient, type InProcessClient } from './runtime/inProcessClient.js';
import { resolveModelsDir, type ModelManifest } from './runtime/modelManifest.js';
import type { InferenceClient, ModelKey, VocodeRequest } from './runtime/tasks.js';
import type { TestHook } from './runtime/testHooks.js';
import { createWorkerPool, type TaskOptions, type WorkerPool, type WorkerPoolHooks } from './runtime/workerPool.js';
import { isRtvcModelsDir } from './rtvc/rtvcModels.js';
import { RtvcVoicePipeline } from './rtvc/rtvcVoicePipeline.js';
import { synthConfigFromManifest, synthesizeMelChunks, type SynthConfig } from './synthesizer/index.js';
import { SymbolTable } from './text/index.js';
import type { Embedding, SymbolSequence } from './types.js';

export type { EmbeddingUpdate };

/** Stages whose seconds the pipeline reports. */
export type PipelineStage = 'embed' | 'synth' | 'vocode';

/** Metrics observers: the pool's (queue wait, per-task seconds, worker exits) plus per-stage seconds. */
export interface PipelineHooks extends WorkerPoolHooks {
  /** Seconds one inference call of `stage` took, as seen by the pipeline (queue wait included). */
  onStage?(stage: PipelineStage, seconds: number): void;
}

export interface VoicePipelineOptions {
  /** Models directory (default: CLONECAST_MODELS, else <repo>/models). */
  readonly modelsDir?: string;
  /** `workers` (default): a worker-thread pool; `in-process`: inference on the calling thread (tests, tools). */
  readonly inference?: 'workers' | 'in-process';
  /** Worker threads (default 2). */
  readonly workers?: number;
  /** Longest wait for a worker before `busy` (default 2000 ms). */
  readonly maxQueueWaitMs?: number;
  readonly hooks?: PipelineHooks;
  /**
   * Mel frames in an utterance's first chunk (default: the vocoder's look-ahead + 2, i.e. 25 ms of
   * audio out of the first chunk). The first audio waits for this chunk's decode and vocode, so it
   * is small; later chunks double up to 8 x chunkFrames.
   */
  readonly firstChunkFrames?: number;
  /** Most mel frames per vocoder call (default 16 = 200 ms of audio); longer chunks are vocoded in slices. */
  readonly maxVocodeFrames?: number;
}

export { PipelineError, type PipelineErrorCode } from './pipelineError.js';

/** Incremental enrollment from a stream of reference PCM. */
export interface Enrollment {
  /**
   * Feeds 16-bit mono PCM at the enrollment's input rate (pieces of any size); resolves with the
   * encoder windows this piece completed (often none). Pieces are consumed in call order.
   */
  push(pcm: Int16Array): Promise<readonly EmbeddingUpdate[]>;
  /** The newest estimate, or null before the first complete window. */
  readonly latest: EmbeddingUpdate | null;
  /**
   * Further pushes reject with `closed`; pending ones still resolve: with the windows already being
   * embedded, or with none when their inference was still queued (those tasks are dropped).
   */
  close(): void;
}

export interface SpeakRequest {
  /** Raw text (normalised here); one sentence or a few. */
  readonly text: string;
  /** The voice: an L2-normalised embedding of `embeddingDim` values. */
  readonly embedding: Embedding;
  /** Seed of the vocoder's sampler (default: random). Same seed, same text, same voice: same audio. */
  readonly seed?: number;
  /** Aborting ends the audio within one chunk: the iterator returns quietly. */
  readonly signal?: AbortSignal;
  /** Speaking-rate factor on predicted durations (1 = as trained; 1.2 = slower). */
  readonly pace?: number;
  /** Vocoder engine (default: the model directory's served vocoder, see `servedVocoder`; `griffin-lim` needs no weights). */
  readonly engine?: VocodeRequest['engine'];
}

/** Per-utterance figures, filled in while the audio is produced. */
export interface UtteranceTimings {
  /** Seconds in synthesizer calls (text encoder + decoder chunks, queue wait included). */
  synthSeconds: number;
  /** Seconds in vocoder calls. */
  vocodeSeconds: number;
  /** Milliseconds from the first request for audio (start of iteration) to the first samples, or null before them. */
  firstAudioMs: number | null;
  /** Seconds of 16 kHz audio produced so far. */
  audioSeconds: number;
  /** Mel frames of the utterance (known after the text encoder ran), or null. */
  melFrames: number | null;
}

/** One utterance: iterate for 16 kHz float samples in [-1, 1], progressively, chunk by chunk. */
export interface Utterance extends AsyncIterable<Float32Array> {
  /** What the symbols spell after normalisation. */
  readonly text: string;
  readonly timings: UtteranceTimings;
  /**
   * True while the piece just yielded is the utterance's last: a consumer can mark its last output
   * frame at once instead of holding audio back until the iterator ends.
   */
  readonly final: boolean;
}

/** Default of `maxVocodeFrames`: the most mel frames one vocoder call (one chunk of audio) covers. */
export const DEFAULT_MAX_VOCODE_FRAMES = 16;
/** A playing stream's next task is due this long before its audio so far has played out (ms). */
const PLAYBACK_LEAD_MS = 300;
/** Frames of audio the first chunk should complete beyond the vocoder's look-ahead (2 = 25 ms). */
const FIRST_CHUNK_AUDIO_FRAMES = 2;

/** Creates the pipeline; it loads models in the background (`ready`). */
export function createVoicePipeline(options: VoicePipelineOptions = {}): VoicePipeline {
  return new VoicePipeline(options);
}

export class VoicePipeline {
  /** Resolves when the models are loaded and inference is up; rejects (e.g. ManifestError) otherwise. */
  readonly ready: Promise<void>;
  private readonly hooks: PipelineHooks;
  private pool: WorkerPool | null = null;
  private inProcess: InProcessClient | null = null;
  private loaded: { manifest: ModelManifest; embedder: EmbedderConfig; synth: SynthConfig; symbols: SymbolTable; firstChunkFrames: number } | null = null;
  private closed = false;
  /** Set instead of `loaded` for an imported RTVC directory (src/pipeline/rtvc): every call goes there. */
  private rtvc: RtvcVoicePipeline | null = null;
  private readonly firstChunkOption: number | undefined;
  private readonly maxVocodeFrames: number;

  constructor(options: VoicePipelineOptions) {
    this.hooks = options.hooks ?? {};
    this.firstChunkOption = options.firstChunkFrames;
    this.maxVocodeFrames = options.maxVocodeFrames ?? DEFAULT_MAX_VOCODE_FRAMES;
    this.ready = this.load(options);
    this.ready.catch(() => undefined); // reported through `ready` and every call
  }

  /** True while the pipeline can serve (for /readyz). */
  isReady(): boolean {
    if (this.rtvc) return !this.closed && this.rtvc.isReady();
    if (this.closed || !this.loaded) return false;
    return this.pool ? this.pool.isReady() : true;
  }

  /** The loaded manifest. @throws PipelineError `not_ready` before `ready`. */
  get manifest(): ModelManifest {
    return this.models().manifest;
  }

  /** Length of speaker embeddings (256), for validating stored voices. */
  get embeddingDim(): number {
    if (this.rtvc) return this.rtvc.embeddingDim;
    return this.models().embedder.embeddingDim;
  }

  /** Identity of the speaker encoder (sha256 of its file): embeddings are only comparable under one. */
  get encoderId(): string {
    if (this.rtvc) return this.rtvc.encoderId;
    return this.models().manifest.encoder.file.sha256;
  }

  /** Inference tasks waiting for a worker (0 in-process or before the pool exists). */
  get queuedTasks(): number {
    return this.pool ? this.pool.stats().queued : 0;
  }

  /** Name of the vocoder engine in use, or `unavailable: <why>`. */
  get vocoderEngine(): string {
    if (this.rtvc) return this.rtvc.vocoderEngine;
    return this.pool ? this.pool.vocoderEngine : this.inProcess?.vocoderEngine ?? 'unknown';
  }

  /**
   * Starts an enrollment for 16-bit mono PCM at `inputRate` Hz.
   * @throws SampleRateError `unsupported_sample_rate` outside 8000..48000 Hz.
   */
  createEnrollment(inputRate: number): Enrollment {
    if (this.rtvc) return this.rtvc.createEnrollment(inputRate);
    const { embedder } = this.models();
    // Closing aborts: windows still queued for a worker leave the queue instead of running for no one.
    const closing = new AbortController();
    const client = this.timed(this.client(() => ({ priority: 'normal', signal: closing.signal })));
    const windows = slidingWindowEmbedder({ client, config: embedder, inputRate });
    let open = true;
    const push = async (pcm: Int16Array): Promise<readonly EmbeddingUpdate[]> => {
      try {
        return await windows.push(int16ToFloat(pcm));
      } catch (err) {
        if (closing.signal.aborted) return [];
        throw err;
      }
    };
    return {
      push: (pcm) => (open ? push(pcm) : Promise.reject(new PipelineError('closed', 'enrollment closed'))),
      get latest() {
        return windows.latest;
      },
      close: () => {
        open = false;
        closing.abort();
      },
    };
  }

  /**
   * Raw text -> the normalised text the synthesizer will say.
   * @throws TextError `no_speakable_text` when nothing speakable is left.
   */
  normalizeText(text: string): string {
    if (this.rtvc) return this.rtvc.normalizeText(text);
    return this.models().symbols.encode(text).text;
  }

  /**
   * Speaks `text` with a voice. Text and embedding are checked now (errors throw here); inference
   * starts when the returned utterance is iterated. The first samples come after the first mel chunk
   * is decoded and vocoded; each later chunk's mel is decoded while the previous one is vocoded.
   * @throws TextError `no_speakable_text`, PipelineError `invalid_embedding`.
   */
  speak(request: SpeakRequest): Utterance {
    if (this.rtvc && !this.closed) return this.rtvc.speak(request);
    const { synth, symbols, embedder } = this.models();
    const sequence = symbols.encode(request.text);
    assertVoiceEmbedding(request.embedding, embedder.embeddingDim);
    const timings: UtteranceTimings = { synthSeconds: 0, vocodeSeconds: 0, firstAudioMs: null, audioSeconds: 0, melFrames: null };
    const progress = { final: false };
    const audio = this.produce(request, sequence, synth, timings, progress);
    return {
      text: sequence.text,
      timings,
      get final() {
        return progress.final;
      },
      [Symbol.asyncIterator]: () => audio,
    };
  }

  /**
   * Test only: sends a hook to the worker pool (src/pipeline/runtime/testHooks.ts), e.g.
   * `{kind: 'test-arm-fault', task: 'vocode', fault: 'crash'}` makes one worker die on its next
   * vocoder task. Honoured only when CLONECAST_TEST_HOOKS=1 was set before the pipeline was created.
   * @throws Error when hooks are disabled or inference runs in-process; PipelineError `not_ready`.
   */
  async runTestHook(hook: TestHook): Promise<void> {
    if (this.rtvc && !this.closed) return this.rtvc.runTestHook(hook);
    this.models();
    if (!this.pool) throw new Error('test hooks need the worker pool (inference: "workers")');
    await this.pool.runTestHook(hook);
  }

  /** Stops inference; pending work fails with `pool_closed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ready.catch(() => undefined);
    await this.pool?.close();
    this.inProcess?.close();
    await this.rtvc?.close();
  }

  private async *produce(
    request: SpeakRequest,
    sequence: SymbolSequence,
    synth: SynthConfig,
    timings: UtteranceTimings,
    progress: { final: boolean },
  ): AsyncGenerator<Float32Array> {
    const { signal } = request;
    const startedAt = performance.now();
    const rate = this.models().manifest.features[this.models().manifest.synthesizer.features].sampleRate;
    // Deadlines for the pool's earliest-deadline-first queue: until its first audio an utterance is
    // due now (in arrival order); then each task is due PLAYBACK_LEAD_MS before the audio produced
    // so far has played out. Streams falling behind go first, new utterances next, and streams
    // comfortably ahead wait.
    let firstAudioAt: number | null = null;
    let producedMs = 0;
    const deadline = () => (firstAudioAt === null ? startedAt : firstAudioAt + producedMs - PLAYBACK_LEAD_MS);
    const client = this.timed(this.client(() => ({ deadline: deadline(), signal })), timings);
    const seed = request.seed ?? Math.floor(Math.random() * 0x7fffffff);
    let state: Uint8Array | null = null;
    try {
      const chunks = synthesizeMelChunks(client, synth, { symbols: sequence, embedding: request.embedding, signal, pace: request.pace, firstChunkFrames: this.models().firstChunkFrames }, (plan) => {
        timings.melFrames = plan.frames;
      });
      for await (const chunk of chunks) {
        // Vocode in slices of at most maxVocodeFrames: a worker is never held long by one stream,
        // audio comes out sooner, and equal-size slices of concurrent streams batch together.
        for (let at = 0; at < chunk.frames || (at === 0 && chunk.final); at += this.maxVocodeFrames) {
          const frames = Math.min(this.maxVocodeFrames, chunk.frames - at);
          const last = at + frames >= chunk.frames;
          const mel = chunk.data.slice(at * chunk.channels, (at + frames) * chunk.channels);
          const final = chunk.final && last;
          const engine = request.engine ?? servedVocoder(this.models().manifest);
          const result = await client.vocode({ mel, frames, final, state, seed, engine });
          state = result.state;
          if (signal?.aborted) return;
          if (result.samples.length === 0) continue;
          firstAudioAt ??= performance.now();
          timings.firstAudioMs ??= firstAudioAt - startedAt;
          timings.audioSeconds += result.samples.length / rate;
          producedMs = timings.audioSeconds * 1000;
          progress.final = final;
          yield result.samples;
        }
      }
    } catch (err) {
      if (signal?.aborted) return; // cancellation is an outcome, not a failure
      throw err;
    }
  }

  private async load(options: VoicePipelineOptions): Promise<void> {
    const dir = resolveModelsDir(options.modelsDir);
    if (isRtvcModelsDir(dir)) {
      // imported RTVC checkpoints: their own loader, graphs and inference thread
      this.rtvc = new RtvcVoicePipeline(dir, (stage, seconds) => this.hooks.onStage?.(stage, seconds));
      await this.rtvc.ready;
      if (this.closed) await this.rtvc.close();
      return;
    }
    let manifest: ModelManifest;
    if (options.inference === 'in-process') {
      this.inProcess = await createInProcessClient(options.modelsDir);
      manifest = this.inProcess.manifest;
    } else {
      this.pool = createWorkerPool({ modelsDir: options.modelsDir, workers: options.workers, maxQueueWaitMs: options.maxQueueWaitMs, hooks: this.hooks });
      manifest = await this.pool.ready;
    }
    const s = manifest.synthesizer;
    this.loaded = {
      manifest,
      embedder: embedderConfigFromManifest(manifest),
      synth: synthConfigFromManifest(manifest),
      symbols: new SymbolTable(s.symbols, s.text.normalizer),
      firstChunkFrames: this.firstChunkOption ?? vocoderLookahead(manifest) + FIRST_CHUNK_AUDIO_FRAMES,
    };
    if (this.closed) await this.close();
  }

  private models(): NonNullable<VoicePipeline['loaded']> {
    if (this.closed) throw new PipelineError('closed', 'the voice pipeline is closed');
    if (!this.loaded) throw new PipelineError('not_ready', 'the voice pipeline is still loading its models');
    return this.loaded;
  }

  private client(options: () => TaskOptions): InferenceClient {
    if (this.pool) return this.pool.withOptions(options);
    if (this.inProcess) return this.inProcess;
    throw new PipelineError('not_ready', 'the voice pipeline is still loading its models');
  }

  /** Wraps a client so every call's seconds go to the stage hook and, for an utterance, its timings. */
  private timed(client: InferenceClient, timings?: UtteranceTimings): InferenceClient {
    const report = (stage: PipelineStage, since: number) => {
      const seconds = (performance.now() - since) / 1000;
      if (timings && stage === 'synth') timings.synthSeconds += seconds;
      if (timings && stage === 'vocode') timings.vocodeSeconds += seconds;
      try {
        this.hooks.onStage?.(stage, seconds);
      } catch {
        // metrics never break inference
      }
    };
    const stageOf = (model: ModelKey): PipelineStage => (model === 'encoder' ? 'embed' : 'synth');
    return {
      run: async (model, feeds) => {
        const since = performance.now();
        try {
          return await client.run(model, feeds);
        } finally {
          report(stageOf(model), since);
        }
      },
      vocode: async (request) => {
        const since = performance.now();
        try {
          return await client.vocode(request);
        } finally {
          report('vocode', since);
        }
      },
    };
  }
}

/**
 * Mel frames the vocoder holds back before it can complete audio (its conditioning look-ahead):
 * the manifest's `vocoder.lookaheadFrames`, else `vocoder.context + 1` (clonecast-wavernn: a conv
 * stack of `context` frames each side plus the frame being interpolated towards), else 0.
 */
function vocoderLookahead(manifest: ModelManifest): number {
  const v = manifest.vocoder;
  if (typeof v?.lookaheadFrames === 'number') return v.lookaheadFrames;
  if (typeof v?.context === 'number') return v.context + 1;
  return 0;
}

/**
 * The vocoder a model directory serves by default: its neural vocoder, unless the manifest's
 * `vocoder.servedEngine` is "griffin-lim" (weights not yet good enough to serve) or it has none.
 */
export function servedVocoder(manifest: ModelManifest): 'default' | 'griffin-lim' {
  if (manifest.vocoder === undefined) return 'griffin-lim';
  return manifest.vocoder.servedEngine === 'griffin-lim' ? 'griffin-lim' : 'default';
}
