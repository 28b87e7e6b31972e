/**
 * Per-server limits, one options object with documented defaults (docs/protocol.md, "Limits").
 * Each limit is enforced where the data enters, never later.
 */

export interface Limits {
  /** Largest WebSocket frame accepted, bytes (ws `maxPayload`; larger closes with 1009). */
  readonly maxFrameBytes: number;
  /** Reference audio accepted per session, seconds at the session's input rate. */
  readonly maxReferenceSeconds: number;
  /** Characters of text per utterance, all streamed pieces together. */
  readonly maxTextChars: number;
  /** Unfinished utterances (queued + playing) per session. */
  readonly maxQueuedUtterances: number;
  /** Close a session after this many ms without a client message while nothing is queued, ms. */
  readonly idleTimeoutMs: number;
  /** Send-buffer size above which a session stops producing audio, bytes. */
  readonly maxBufferedBytes: number;
  /** Close a reader whose buffer stays above `maxBufferedBytes` this long, ms. */
  readonly slowReaderTimeoutMs: number;
  /** Concurrent sessions per server; more upgrades get HTTP 503. */
  readonly maxSessions: number;
  /** Utterances playing at once over all sessions; an utterance reaching the head of its queue past this fails at once with `busy`. */
  readonly maxActiveUtterances: number;
  /** Concurrent connections per client IP address; more upgrades get HTTP 429. */
  readonly maxConnectionsPerIp: number;
  /** Client messages (text + binary) per second per IP address, burst twice that; more are dropped (`rate_limited`). */
  readonly maxMessagesPerSecond: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxFrameBytes: 1 << 20,
  maxReferenceSeconds: 60,
  maxTextChars: 2000,
  maxQueuedUtterances: 8,
  idleTimeoutMs: 60_000,
  maxBufferedBytes: 256 * 1024,
  slowReaderTimeoutMs: 10_000,
  maxSessions: 64,
  maxActiveUtterances: 8,
  maxConnectionsPerIp: 32,
  maxMessagesPerSecond: 1000,
};

/** Fills defaults and rejects nonsense (a server misconfiguration fails at start, loudly). */
export function resolveLimits(partial: Partial<Limits> = {}): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`limit ${name} must be a positive finite number, got ${String(value)}`);
    }
  }
  return limits;
}
