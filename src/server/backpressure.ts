/**
 * Slow-reader policy (docs/protocol.md, "Backpressure"): a session stops producing audio while its
 * socket's send buffer is above the high-water mark, resumes below half of it, and gives up after
 * a timeout. `ws` has no 'drain' event on the WebSocket itself, so the buffer is polled while
 * paused (only paused sessions poll).
 */

/** The part of a ws WebSocket this module reads. */
export interface BufferedSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
}

const OPEN = 1;
const POLL_MS = 10;

export type DrainResult = 'drained' | 'timeout' | 'closed' | 'aborted';

/**
 * Resolves at once when `socket.bufferedAmount <= highWaterBytes`; otherwise waits until it falls
 * to `highWaterBytes / 2`, the socket closes, `signal` aborts, or `timeoutMs` passes.
 */
export function waitForDrain(
  socket: BufferedSocket,
  highWaterBytes: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<DrainResult> | DrainResult {
  if (socket.readyState !== OPEN) return 'closed';
  if (socket.bufferedAmount <= highWaterBytes) return 'drained';
  const lowWater = highWaterBytes / 2;
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      let result: DrainResult | null = null;
      if (signal?.aborted) result = 'aborted';
      else if (socket.readyState !== OPEN) result = 'closed';
      else if (socket.bufferedAmount <= lowWater) result = 'drained';
      else if (Date.now() >= deadline) result = 'timeout';
      if (result !== null) {
        clearInterval(timer);
        resolve(result);
      }
    }, POLL_MS);
  });
}
