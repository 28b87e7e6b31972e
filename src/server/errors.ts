/**
 * The one factory for protocol errors and close codes (docs/protocol.md, "Errors"). Every error a
 * client can see is made here, so codes stay stable and listed in one place.
 */

/** Stable error codes sent as `{"type":"error","code":...}`. */
export const ERROR_CODES = [
  'malformed_json',
  'unknown_type',
  'missing_field',
  'invalid_field',
  'not_started',
  'already_started',
  'unsupported_sample_rate',
  'odd_byte_count',
  'unexpected_audio',
  'reference_too_long',
  'text_too_long',
  'no_speakable_text',
  'no_voice',
  'unknown_voice',
  'voice_incompatible',
  'queue_full',
  'duplicate_id',
  'unknown_utterance',
  'busy',
  'inference_failed',
  'shutting_down',
  'rate_limited',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** WebSocket close codes the server uses (1007 and 1009 are sent by `ws` itself). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  invalidPayload: 1007,
  messageTooBig: 1009,
  internalError: 1011,
  idleTimeout: 4000,
  slowReader: 4001,
} as const;

/** An error a session reports to its client; thrown or returned by parsing and session logic. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The utterance id of the message that caused it, when it had one. */
    readonly id?: string,
    /** The underlying failure (for logs only, never sent). */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }

  /** The JSON object sent to the client. */
  toMessage(): ErrorMessage {
    return this.id === undefined
      ? { type: 'error', code: this.code, message: this.message }
      : { type: 'error', code: this.code, message: this.message, id: this.id };
  }
}

/** Wire form of an error (docs/protocol.md). */
export interface ErrorMessage {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  readonly id?: string;
}

/** Makes a protocol error; the only way server code creates one. */
export function protocolError(code: ErrorCode, message: string, id?: string): ProtocolError {
  return new ProtocolError(code, message, id);
}

/**
 * Maps any failure (from the pipeline, the store, or a bug) onto a protocol error. Errors that
 * carry a known `code` (the pool's busy error, the text normaliser's empty-text error) keep it;
 * anything else becomes `internal` with a generic message, so internals never leak to clients.
 */
export function toProtocolError(err: unknown, id?: string): ProtocolError {
  if (err instanceof ProtocolError) return id !== undefined && err.id === undefined ? protocolError(err.code, err.message, id) : err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const known = KNOWN_FOREIGN_CODES[code];
    if (known !== undefined) return protocolError(known, (err as Error).message || known, id);
  }
  return new ProtocolError('internal', 'internal error while serving this request', id, err);
}

/** Codes used by other modules' errors (pool, text) and the protocol code each maps to. */
const KNOWN_FOREIGN_CODES: Readonly<Record<string, ErrorCode>> = {
  busy: 'busy',
  BUSY: 'busy',
  worker_crashed: 'inference_failed',
  inference_failed: 'inference_failed',
  vocoder_unavailable: 'inference_failed',
  no_speakable_text: 'no_speakable_text',
  empty_text: 'no_speakable_text',
  EMPTY_TEXT: 'no_speakable_text',
  too_long: 'text_too_long',
  unsupported_sample_rate: 'unsupported_sample_rate',
};
