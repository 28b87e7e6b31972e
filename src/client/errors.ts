/** Errors the SDK raises: the server's protocol errors (same codes) plus a few of its own. */

/**
 * `code` is the server's error code (docs/protocol.md, e.g. `busy`, `no_voice`) or one of the SDK's:
 * `closed` (the connection ended), `timeout`, `protocol` (the server broke the protocol),
 * `bad_audio` (a reference the SDK cannot read or send).
 */
export class CloneCastError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The utterance id the error concerns, if any. */
    readonly id?: string,
  ) {
    super(message);
    this.name = 'CloneCastError';
  }
}
