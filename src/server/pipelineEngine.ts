/**
 * The server's SpeechEngine over the voice pipeline facade (src/pipeline/voicePipeline.ts), the
 * output encoders (src/pipeline/output/) and the sentence buffer (src/pipeline/text/). The only
 * server module that imports src/pipeline; it also routes the pipeline's timings into metrics.
 */
import { createVoicePipeline } from '../pipeline/voicePipeline.js';
import { createAudioEncoder } from '../pipeline/output/index.js';
import { SentenceBuffer } from '../pipeline/text/index.js';
import type { ErrorCode } from './errors.js';
import type { ServerMetrics } from './metrics.js';
import type { SpeechEngine } from './speechEngine.js';

export interface PipelineEngineOptions {
  readonly modelsDir?: string;
  readonly workers?: number;
  readonly maxQueueWaitMs?: number;
  /** Vocoder for every utterance: 'wavernn' (the manifest's neural vocoder) or weightless 'griffin-lim'; unset: the manifest's `vocoder.servedEngine`. */
  readonly vocoder?: 'wavernn' | 'griffin-lim';
  readonly metrics: ServerMetrics;
}

/** Creates the pipeline (models load in the background: see `ready`). */
export function createPipelineEngine(options: PipelineEngineOptions): SpeechEngine {
  const { metrics } = options;
  const live = { syntheses: 0, enrollments: 0, inferenceRunning: 0 };
  const pipeline = createVoicePipeline({
    modelsDir: options.modelsDir,
    workers: options.workers,
    maxQueueWaitMs: options.maxQueueWaitMs,
    hooks: {
      onStage: (stage, seconds) => metrics.observeStage(stage, seconds),
      // A worker took a task (queue wait ends) ... until it answered, failed or crashed.
      onQueueWait: (seconds) => {
        live.inferenceRunning += 1;
        metrics.queueWait.observe({ queue: 'inference' }, seconds);
      },
      onTaskDone: () => {
        live.inferenceRunning -= 1;
      },
    },
  });

  return {
    ready: pipeline.ready,
    isReady: () => pipeline.isReady(),
    get embeddingDim() {
      return pipeline.embeddingDim;
    },
    get encoderId() {
      return pipeline.encoderId;
    },
    createEnrollment(inputRate) {
      const enrollment = pipeline.createEnrollment(inputRate);
      live.enrollments += 1;
      let open = true;
      return {
        push: (pcm) => enrollment.push(pcm),
        close() {
          if (open) live.enrollments -= 1;
          open = false;
          enrollment.close();
        },
      };
    },
    createSentenceSplitter: () => new SentenceBuffer(),
    createFrameEncoder: (output) => createAudioEncoder(output),

    checkText(text): ErrorCode | null {
      try {
        pipeline.normalizeText(text);
        return null;
      } catch (err) {
        if ((err as { code?: unknown }).code === 'no_speakable_text') return 'no_speakable_text';
        throw err;
      }
    },

    async *synthesize({ text, embedding, seed, signal, stages }) {
      const engine = options.vocoder === undefined ? undefined : options.vocoder === 'wavernn' ? 'default' : 'griffin-lim';
      const utterance = pipeline.speak({ text, embedding, seed, signal, engine });
      let counted = { synth: 0, vocode: 0 };
      const account = () => {
        stages.synth += utterance.timings.synthSeconds - counted.synth;
        stages.vocode += utterance.timings.vocodeSeconds - counted.vocode;
        counted = { synth: utterance.timings.synthSeconds, vocode: utterance.timings.vocodeSeconds };
      };
      live.syntheses += 1;
      try {
        for await (const samples of utterance) {
          account();
          yield samples;
        }
      } finally {
        live.syntheses -= 1;
        account();
      }
    },

    stats: () => ({ ...live, inferenceQueued: pipeline.queuedTasks }),

    runTestHook: (hook) => pipeline.runTestHook(hook),

    close: () => pipeline.close(),
  };
}
