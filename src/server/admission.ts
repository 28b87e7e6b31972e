/**
 * Who may open a session (docs/protocol.md, "Access control"): an optional shared token (HTTP
 * `Authorization: Bearer` header, or a `Sec-WebSocket-Protocol` entry for browsers, which cannot
 * set headers), an optional allowlist of browser origins, and a cap on concurrent connections per
 * client IP address. Checked on the HTTP upgrade, before any WebSocket exists.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Subprotocol a client offers (and the server selects) when it uses the protocol form of the token. */
export const PROTOCOL_NAME = 'clonecast.v1';
/** Prefix of the subprotocol entry that carries the token: `clonecast.token.<token>`. */
export const TOKEN_PROTOCOL_PREFIX = 'clonecast.token.';

export interface AccessOptions {
  /** Accepted tokens; empty or absent: no authentication. Tokens must be 16..256 chars of `A-Za-z0-9._~-`. */
  readonly authTokens?: readonly string[];
  /** Accepted `Origin` header values (e.g. `https://app.example`); absent: any origin. Requests without `Origin` (non-browser clients) are not affected. */
  readonly allowedOrigins?: readonly string[];
}

/** Why an upgrade is refused, as the HTTP status line sent back. */
export type Refusal = '401 Unauthorized' | '403 Forbidden' | '429 Too Many Requests';

/** What a token must look like (also checked by `clonecast serve` before it starts the server). */
export const TOKEN_SHAPE = /^[A-Za-z0-9._~-]{16,256}$/;

/** Checks tokens and origins of upgrade requests; holds only digests of the tokens. */
export class AccessControl {
  private readonly tokenDigests: readonly Buffer[];
  private readonly origins: ReadonlySet<string> | null;

  /** @throws RangeError for a token of the wrong shape (a misconfiguration fails at start). */
  constructor(options: AccessOptions) {
    for (const token of options.authTokens ?? []) {
      if (!TOKEN_SHAPE.test(token)) throw new RangeError('auth tokens must be 16..256 characters of A-Za-z0-9._~-');
    }
    this.tokenDigests = (options.authTokens ?? []).map(digest);
    this.origins = options.allowedOrigins === undefined ? null : new Set(options.allowedOrigins);
  }

  get requiresToken(): boolean {
    return this.tokenDigests.length > 0;
  }

  /** null when the request may open a session. */
  check(req: IncomingMessage): Refusal | null {
    const origin = req.headers.origin;
    if (this.origins !== null && origin !== undefined && !this.origins.has(origin)) return '403 Forbidden';
    if (this.requiresToken && !this.tokenMatches(presentedToken(req))) return '401 Unauthorized';
    return null;
  }

  /**
   * Compares digests (equal length) with timingSafeEqual against every configured token, without
   * stopping at a match: the time taken says nothing about the token or which one matched.
   */
  private tokenMatches(presented: string | null): boolean {
    const candidate = digest(presented ?? '');
    let ok = false;
    for (const known of this.tokenDigests) ok = timingSafeEqual(candidate, known) || ok;
    return ok && presented !== null;
  }
}

/** The subprotocol to select: `clonecast.v1` when offered (browsers fail a handshake that selects none). */
export function selectProtocol(offered: ReadonlySet<string>): string | false {
  return offered.has(PROTOCOL_NAME) ? PROTOCOL_NAME : false;
}

/** The token from `Authorization: Bearer <t>` or a `clonecast.token.<t>` subprotocol entry. */
function presentedToken(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1] : null;
  }
  const protocols = req.headers['sec-websocket-protocol'];
  if (protocols === undefined) return null;
  for (const entry of protocols.split(',')) {
    const p = entry.trim();
    if (p.startsWith(TOKEN_PROTOCOL_PREFIX)) return p.slice(TOKEN_PROTOCOL_PREFIX.length);
  }
  return null;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Concurrent connections per client IP address (the socket's peer: behind a proxy, the proxy's). */
export class ConnectionCounter {
  private readonly open = new Map<string, number>();
  constructor(private readonly maxPerIp: number) {}

  /** Counts a connection from `ip`; false (nothing counted) when it already has `maxPerIp`. */
  tryAcquire(ip: string): boolean {
    const n = this.open.get(ip) ?? 0;
    if (n >= this.maxPerIp) return false;
    this.open.set(ip, n + 1);
    return true;
  }

  release(ip: string): void {
    const n = (this.open.get(ip) ?? 1) - 1;
    if (n <= 0) this.open.delete(ip);
    else this.open.set(ip, n);
  }
}
