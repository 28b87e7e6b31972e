/** Why a synthesis request was refused or failed; `code` is stable (for logs and protocol mapping). */
export type SynthesisErrorCode = 'invalid_symbols' | 'invalid_embedding' | 'invalid_option' | 'too_long' | 'bad_model_output';

export class SynthesisError extends Error {
  constructor(readonly code: SynthesisErrorCode, message: string) {
    super(message);
    this.name = 'SynthesisError';
  }
}
