/**
 * Adapter from the voice pipeline facade (src/pipeline/voicePipeline.ts) to the server's
 * SpeechEngine. TRANSITIONAL: the facade has not landed yet; this file is replaced when it does.
 */
import type { ServerMetrics } from './metrics.js';
import type { SpeechEngine } from './speechEngine.js';

export interface PipelineEngineOptions {
  readonly modelsDir?: string;
  readonly workers?: number;
  readonly maxQueueWaitMs?: number;
  readonly metrics: ServerMetrics;
}

export function createPipelineEngine(_options: PipelineEngineOptions): SpeechEngine {
  throw new Error('the voice pipeline facade (src/pipeline/voicePipeline.ts) is not available yet');
}
