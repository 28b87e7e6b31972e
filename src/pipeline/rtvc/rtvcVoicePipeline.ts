/**
 * The voice pipeline for an imported RTVC model directory, with the same surface the server uses
 * from VoicePipeline (which delegates here when `--models` holds rtvc families): enrollment,
 * text checks and progressive speech. Inference runs on two worker threads (rtvcWorker.ts): the
 * synthesizer decodes the next mel chunk while the vocoder turns the previous one into audio.
 *
 * Enrollment: each time the reference completes another 160-frame window (step 80), the voice is
 * recomputed as RTVC's `embed_utterance` of all the reference so far (volume normalisation is
 * global in RTVC, so a running mean of windows would not be its embedding).
 * Speech: RTVC's text cleaning, Tacotron with seeded prenet dropout, RTVC's WaveRNN; the seed of a
 * `speak` fixes both the dropout masks and the sampler, so the same seed gives the same audio.
 */
import { createResampler } from '../audio/resampler.js';
import { int16ToFloat } from '../audio/wav.js';
import { cosine, type EmbeddingUpdate } from '../encoder/index.js';
import { assertVoiceEmbedding, PipelineError } from '../pipelineError.js';
import { pinNativeRuntime } from '../runtime/onnxRuntime.js';
import { TextError } from '../text/symbols.js';
import { readRtvcManifest, type RtvcManifest } from './rtvcModels.js';
import { testHooksEnabled, type TestHook } from '../runtime/testHooks.js';
import { RtvcWorkerClient } from './rtvcWorkerClient.js';
import { textToSequence } from './textToSequence.js';

/** What `speak` needs (a subset of VoicePipeline's SpeakRequest). */
export interface RtvcSpeakRequest {
  readonly text: string;
  readonly embedding: Float32Array;
  readonly seed?: number;
  readonly signal?: AbortSignal;
}

/** Per-utterance figures, the same fields as VoicePipeline's UtteranceTimings. */
export interface RtvcTimings {
  synthSeconds: number;
  vocodeSeconds: number;
  firstAudioMs: number | null;
  audioSeconds: number;
  melFrames: number | null;
}

/** One utterance: iterate for 16 kHz float samples, chunk by chunk (VoicePipeline's Utterance shape). */
export interface RtvcSpeech extends AsyncIterable<Float32Array> {
  readonly text: string;
  readonly timings: RtvcTimings;
  readonly final: boolean;
}

/** Incremental enrollment from reference PCM (VoicePipeline's Enrollment shape). */
export interface RtvcEnrollment {
  push(pcm: Int16Array): Promise<readonly EmbeddingUpdate[]>;
  readonly latest: EmbeddingUpdate | null;
  close(): void;
}

/** The pipeline of one imported RTVC model directory (see module doc). */
export class RtvcVoicePipeline {
  readonly ready: Promise<void>;
  private readonly manifest: RtvcManifest;
  private synth: RtvcWorkerClient;
  private vocoder: RtvcWorkerClient;
  private readonly modelsDir: string;
  /** CLONECAST_TEST_HOOKS=1 at creation: replacement workers keep the setting. */
  private readonly testHooks = testHooksEnabled();
  private nextUtterance = 1;
  private closed = false;

  /** @throws ManifestError when the directory's manifest or files are unusable. */
  /** `onStage` gets the seconds of every inference call, as VoicePipeline's hook (metrics). */
  constructor(modelsDir: string, private readonly onStage?: (stage: 'embed' | 'synth' | 'vocode', seconds: number) => void) {
    this.manifest = readRtvcManifest(modelsDir);
    pinNativeRuntime(); // keep ORT loaded on this thread (see onnxRuntime.ts)
    this.modelsDir = modelsDir;
    this.synth = this.spawn('synthesizer');
    this.vocoder = this.spawn('vocoder');
    this.ready = Promise.all([this.synth.ready, this.vocoder.ready]).then(() => undefined);
    this.ready.catch(() => undefined);
  }

  isReady(): boolean {
    return this.synth.isUp && this.vocoder.isUp && !this.closed;
  }

  get embeddingDim(): number {
    return this.manifest.embedder.embeddingDim;
  }

  get encoderId(): string {
    return this.manifest.encoderId;
  }

  get vocoderEngine(): string {
    return `rtvc-wavernn (onnx-loop, ${this.manifest.servedLoop})`;
  }

  /** @throws TextError `no_speakable_text` when the cleaned text has no letters. */
  normalizeText(text: string): string {
    return this.sequenceOf(text).text;
  }

  /** RTVC's symbol ids of `text`. @throws TextError `no_speakable_text` when the cleaned text has no letters. */
  private sequenceOf(text: string): ReturnType<typeof textToSequence> {
    const sequence = textToSequence(text, this.manifest.symbols);
    if (!/[a-z]/i.test(sequence.text)) throw new TextError('no_speakable_text', 'the text has nothing to speak');
    return sequence;
  }

  createEnrollment(inputRate: number): RtvcEnrollment {
    const resampler = createResampler(inputRate, this.manifest.sampleRate);
    const { hopLength, partialFrames, partialHop } = this.manifest.embedder;
    let audio = new Float32Array(0);
    let windows = 0;
    let latest: EmbeddingUpdate | null = null;
    let queue: Promise<unknown> = Promise.resolve();
    let open = true;
    const push = async (pcm: Int16Array): Promise<readonly EmbeddingUpdate[]> => {
      const fresh = resampler.push(int16ToFloat(pcm));
      const joined = new Float32Array(audio.length + fresh.length);
      joined.set(audio);
      joined.set(fresh, audio.length);
      audio = joined;
      const frames = Math.floor(audio.length / hopLength);
      const complete = frames < partialFrames ? 0 : Math.floor((frames - partialFrames) / partialHop) + 1;
      if (complete <= windows) return [];
      windows = complete;
      const t = performance.now();
      const reply = await this.synth.call({ kind: 'embed', wav: audio.slice() });
      this.report('embed', (performance.now() - t) / 1000);
      if (reply.kind !== 'embedded') throw new Error('unexpected worker reply');
      const prev = latest?.embedding;
      latest = { windows: reply.windows, speechSeconds: audio.length / this.manifest.sampleRate, embedding: reply.embedding, movedCosine: prev ? cosine(prev, reply.embedding) : null };
      return [latest];
    };
    return {
      push: (pcm) => {
        if (!open) return Promise.reject(new PipelineError('closed', 'enrollment closed'));
        const result = queue.then(() => push(pcm));
        queue = result.catch(() => undefined);
        return result;
      },
      get latest() {
        return latest;
      },
      close: () => {
        open = false;
      },
    };
  }

  speak(request: RtvcSpeakRequest): RtvcSpeech {
    const sequence = this.sequenceOf(request.text);
    assertVoiceEmbedding(request.embedding, this.embeddingDim);
    const timings: RtvcTimings = { synthSeconds: 0, vocodeSeconds: 0, firstAudioMs: null, audioSeconds: 0, melFrames: null };
    const progress = { final: false };
    const produce = this.produce(request, sequence.ids, timings, progress);
    return {
      text: sequence.text,
      timings,
      get final() {
        return progress.final;
      },
      [Symbol.asyncIterator]: () => produce,
    };
  }

  /** A worker of `role`; one that dies is replaced (its in-flight requests fail with worker_crashed). */
  private spawn(role: 'synthesizer' | 'vocoder'): RtvcWorkerClient {
    const client = new RtvcWorkerClient(this.modelsDir, role, this.testHooks, () => {
      if (this.closed) return;
      if (role === 'synthesizer') this.synth = this.spawn(role);
      else this.vocoder = this.spawn(role);
    });
    return client;
  }

  /**
   * Test only (CLONECAST_TEST_HOOKS=1 before the pipeline was created): `test-arm-fault` with task
   * `synth` or `vocode` arms that worker's next mel chunk or vocoder push with `fault`.
   * @throws Error for other hooks or when hooks are disabled.
   */
  async runTestHook(hook: TestHook): Promise<void> {
    if (hook.kind !== 'test-arm-fault' || (hook.task !== 'synth' && hook.task !== 'vocode')) {
      throw new Error(`the RTVC pipeline supports test-arm-fault with task synth or vocode, not ${JSON.stringify(hook)}`);
    }
    await (hook.task === 'synth' ? this.synth : this.vocoder).call({ kind: 'test-arm', fault: hook.fault });
  }

  private report(stage: 'embed' | 'synth' | 'vocode', seconds: number): void {
    try {
      this.onStage?.(stage, seconds);
    } catch {
      // metrics never break inference
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ready.catch(() => undefined);
    await Promise.all([this.synth.close(), this.vocoder.close()]);
  }

  private async *produce(request: RtvcSpeakRequest, ids: Int32Array, timings: RtvcTimings, progress: { final: boolean }): AsyncGenerator<Float32Array> {
    if (this.closed) throw Object.assign(new Error('the voice pipeline is closed'), { code: 'closed' });
    const utterance = this.nextUtterance++;
    const startedAt = performance.now();
    const seed = request.seed ?? Math.floor(Math.random() * 0x7fffffff);
    const melOf = (r: Awaited<ReturnType<RtvcWorkerClient['call']>>) => {
      if (r.kind !== 'mel') throw new Error('unexpected synthesizer reply');
      timings.synthSeconds += r.synthSeconds;
      this.report('synth', r.synthSeconds);
      return r;
    };
    let done = false;
    try {
      await Promise.all([
        this.synth.call({ kind: 'mel-start', utterance, ids, speaker: request.embedding.slice(), seed }),
        this.vocoder.call({ kind: 'voc-start', utterance, seed }),
      ]);
      // a request still in flight when the utterance ends is never awaited: keep its failure quiet
      const ask = () => {
        const p = this.synth.call({ kind: 'mel-next', utterance });
        p.catch(() => undefined);
        return p;
      };
      let nextMel = ask();
      for (;;) {
        if (request.signal?.aborted) return;
        const chunk = melOf(await nextMel);
        // decode the next chunk on the synthesizer thread while this one is vocoded
        if (!chunk.final) nextMel = ask();
        const piece = await this.vocoder.call({ kind: 'voc-push', utterance, mel: chunk.mel, final: chunk.final });
        if (piece.kind !== 'piece') throw new Error('unexpected vocoder reply');
        timings.vocodeSeconds += piece.vocodeSeconds;
        this.report('vocode', piece.vocodeSeconds);
        if (request.signal?.aborted) return;
        if (piece.samples.length > 0) {
          timings.firstAudioMs ??= performance.now() - startedAt;
          timings.audioSeconds += piece.samples.length / this.manifest.sampleRate;
          progress.final = piece.final;
          yield piece.samples;
        }
        if (piece.final) {
          done = true;
          return;
        }
      }
    } finally {
      if (!done) {
        this.synth.end(utterance);
        this.vocoder.end(utterance);
      }
    }
  }
}
