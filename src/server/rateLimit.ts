/**
 * Per-IP message rate limit (docs/protocol.md, `maxMessagesPerSecond`): one token bucket per client
 * IP address, shared by all its sessions, refilled at `ratePerSecond` up to a burst of twice that.
 * A message that finds the bucket empty is dropped by the session (error `rate_limited`).
 */

interface Bucket {
  tokens: number;
  /** performance.now() of the last refill, ms. */
  at: number;
  /** Sessions of this IP still open; the bucket is forgotten at 0. */
  users: number;
}

export class MessageRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;

  constructor(
    /** Sustained messages per second per IP. */
    private readonly ratePerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.burst = 2 * ratePerSecond;
  }

  /** Registers a session of `ip`; call `leave` when it closes. */
  join(ip: string): void {
    const bucket = this.buckets.get(ip);
    if (bucket) bucket.users += 1;
    else this.buckets.set(ip, { tokens: this.burst, at: this.now(), users: 1 });
  }

  leave(ip: string): void {
    const bucket = this.buckets.get(ip);
    if (bucket && --bucket.users <= 0) this.buckets.delete(ip);
  }

  /** Takes one token for a message from `ip`; false when the IP is over its rate. */
  take(ip: string): boolean {
    const bucket = this.buckets.get(ip);
    if (bucket === undefined) return true; // not joined (cannot happen for a live session)
    const t = this.now();
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((t - bucket.at) / 1000) * this.ratePerSecond);
    bucket.at = t;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
