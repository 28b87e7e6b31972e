/**
 * Errors of the vocoder. Each has a stable `code` that callers (the worker, the server) map onto
 * their own error codes; messages say what was wrong and with which value.
 */

/** Codes of every vocoder error, stable across releases. */
export type VocoderErrorCode =
  /** The request is malformed: mel length vs frames, non-finite values, seed out of range. */
  | 'vocoder_bad_request'
  /** The carried state bytes are not a state of this vocoder (other engine, other model, corrupt). */
  | 'vocoder_bad_state'
  /** The manifest's vocoder section or its weights do not describe a runnable model. */
  | 'vocoder_bad_model'
  /** The requested engine cannot run here (no weights installed for the neural vocoder). */
  | 'vocoder_unavailable';

export class VocoderError extends Error {
  constructor(readonly code: VocoderErrorCode, message: string) {
    super(message);
    this.name = 'VocoderError';
  }
}
