/** Errors of the pipeline facade, and the check every facade makes of a voice embedding. */

/** Codes of PipelineError. */
export type PipelineErrorCode = 'not_ready' | 'invalid_embedding' | 'closed';

export class PipelineError extends Error {
  constructor(readonly code: PipelineErrorCode, message: string) {
    super(message);
    this.name = 'PipelineError';
  }
}

/** @throws PipelineError `invalid_embedding` unless `e` is `dim` finite float32 values. */
export function assertVoiceEmbedding(e: unknown, dim: number): asserts e is Float32Array {
  if (!(e instanceof Float32Array) || e.length !== dim || !e.every(Number.isFinite)) {
    throw new PipelineError('invalid_embedding', `a voice embedding must be ${dim} finite float32 values`);
  }
}
