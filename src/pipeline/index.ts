/** The voice pipeline: the facade the server uses, and the runtime pieces tools and tests need. */
export {
  createVoicePipeline, PipelineError, VoicePipeline,
  type Enrollment, type EmbeddingUpdate, type PipelineErrorCode, type PipelineHooks, type PipelineStage,
  type SpeakRequest, type Utterance, type UtteranceTimings, type VoicePipelineOptions,
} from './voicePipeline.js';
export { BusyError, RuntimeError, WorkerCrashedError, type RuntimeErrorCode } from './runtime/errors.js';
export { createInProcessClient, type InProcessClient } from './runtime/inProcessClient.js';
export { loadManifest, ManifestError, resolveModelsDir, type ModelManifest } from './runtime/modelManifest.js';
export type { InferenceClient } from './runtime/tasks.js';
export type { FaultKind, FaultTask, TestHook } from './runtime/testHooks.js';
export { createWorkerPool, WorkerPool, type TaskOptions, type TaskPriority, type WorkerPoolHooks, type WorkerPoolOptions } from './runtime/workerPool.js';
export { SentenceBuffer, TextError } from './text/index.js';
export type * from './types.js';
