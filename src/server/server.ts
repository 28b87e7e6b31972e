/**
 * `startServer`: one port for HTTP (page, health, readiness, metrics) and the protocol v1
 * WebSocket at /v1/stream (docs/protocol.md). The CLI (`clonecast serve`) and the tests call it.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { AccessControl, ConnectionCounter, selectProtocol } from './admission.js';
import { CloseCode } from './errors.js';
import { createHttpHandler } from './http.js';
import { resolveLimits, type Limits } from './limits.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { createPipelineEngine } from './pipelineEngine.js';
import { STREAM_PATH } from './protocol.js';
import { MessageRateLimiter } from './rateLimit.js';
import { Session } from './session.js';
import type { SpeechEngine, TestHook } from './speechEngine.js';
import { createVoiceStore } from './voiceStore.js';

const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** A positive number from the environment, or undefined when unset. @throws RangeError when not positive. */
function envPositive(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${raw}`);
  return value;
}

/** A comma-separated environment variable as a list, or undefined when unset or empty. */
function envList(name: string): string[] | undefined {
  const items = (process.env[name] ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return items.length > 0 ? items : undefined;
}
/** How often a draining shutdown checks whether in-flight utterances have finished, ms. */
const SHUTDOWN_POLL_MS = 50;

export interface ServerOptions {
  /** TCP port; 0 picks a free one. Default: env PORT, else 8080. */
  readonly port?: number;
  /** Interface to listen on. Default: all interfaces. */
  readonly host?: string;
  /** Model directory (docs/models.md). Default: env CLONECAST_MODELS, else <repo>/models. */
  readonly modelsDir?: string;
  /** Vocoder: 'wavernn' or 'griffin-lim'; env CLONECAST_VOCODER; unset: the model directory's `vocoder.servedEngine`. */
  readonly vocoder?: 'wavernn' | 'griffin-lim';
  /** Where saved voices live (`<dataDir>/voices/`). Default: env CLONECAST_DATA, else ./data/server. */
  readonly dataDir?: string;
  /** Overrides of the default limits (docs/protocol.md, "Limits"). */
  readonly limits?: Partial<Limits>;
  /** Inference worker threads. Default: the pipeline's default (one per core). */
  readonly workers?: number;
  /** Longest wait for an inference worker before a request fails with `busy`, ms. Default: env CLONECAST_MAX_QUEUE_WAIT_MS, else the pool's (2000). */
  readonly maxQueueWaitMs?: number;
  /**
   * On `close()`, how long in-flight utterances may keep playing before sockets close with 1001, ms.
   * Default 10000; 0 closes at once.
   */
  readonly shutdownGraceMs?: number;
  /**
   * Shared tokens; when set, an upgrade must present one (`Authorization: Bearer <token>` or a
   * `clonecast.token.<token>` subprotocol entry) or gets HTTP 401. Default: env
   * CLONECAST_AUTH_TOKENS (comma-separated), else none (no authentication).
   */
  readonly authTokens?: readonly string[];
  /**
   * Browser origins allowed to connect (exact `Origin` values); others get HTTP 403. Requests without
   * an Origin header are not affected. Default: env CLONECAST_ALLOWED_ORIGINS (comma-separated), else any.
   */
  readonly allowedOrigins?: readonly string[];
  /** Where unexpected faults are logged. Default console.error. */
  readonly log?: (message: string, err: unknown) => void;
}

export interface RunningServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  readonly metrics: ServerMetrics;
  /** Resolves when models are loaded and workers are up. */
  readonly ready: Promise<void>;
  /**
   * Graceful shutdown: refuses new connections (upgrade 503, /readyz "closing") and new utterances
   * (`shutting_down`), lets queued and playing utterances finish for up to `graceMs` (default
   * `shutdownGraceMs`), then closes every session with 1001 and shuts the pipeline down.
   */
  close(options?: { readonly graceMs?: number }): Promise<void>;
  /** Live counts for health checks and tests (sessions, unfinished utterances, pipeline work). */
  stats(): ServerStats;
  /**
   * Test only: a hook for the inference pool, e.g. `{kind: 'test-arm-fault', task: 'vocode', fault: 'crash'}`
   * (one worker dies on its next vocoder task; see src/pipeline/runtime/testHooks.ts). Honoured only
   * when CLONECAST_TEST_HOOKS=1 was set before the server started; otherwise it rejects.
   */
  runTestHook(hook: TestHook): Promise<void>;
}

/** A snapshot of what the server holds. */
export interface ServerStats {
  readonly sessions: number;
  /** Queued + playing utterances over all sessions. */
  readonly utterances: number;
  /** Sentence syntheses being iterated (each holds pipeline state and a vocoder stream). */
  readonly syntheses: number;
  /** Open enrollments (each holds reference audio buffers). */
  readonly enrollments: number;
  /** Inference tasks a worker is running right now. */
  readonly inferenceRunning: number;
  /** Inference tasks waiting for a worker. */
  readonly inferenceQueued: number;
  /** Open WebSockets (a session's socket until its close completes). */
  readonly sockets: number;
  /** Bytes held for sockets: unsent output (`ws.bufferedAmount`, all sockets) plus received messages waiting in session inboxes. */
  readonly bufferedBytes: number;
}

/**
 * Starts listening at once (so /healthz answers while models load); /readyz turns 200 when the
 * pipeline is ready. Resolves when the port is bound.
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const maxActiveFromEnv = envPositive('CLONECAST_MAX_ACTIVE_UTTERANCES');
  const limits = resolveLimits({ ...(maxActiveFromEnv !== undefined ? { maxActiveUtterances: maxActiveFromEnv } : {}), ...options.limits });
  let activeUtterances = 0;
  const utteranceSlots = {
    tryAcquire(): boolean {
      if (activeUtterances >= limits.maxActiveUtterances) return false;
      activeUtterances += 1;
      return true;
    },
    release(): void {
      activeUtterances -= 1;
    },
  };
  const metrics = createServerMetrics();
  const access = new AccessControl({
    authTokens: options.authTokens ?? envList('CLONECAST_AUTH_TOKENS'),
    allowedOrigins: options.allowedOrigins ?? envList('CLONECAST_ALLOWED_ORIGINS'),
  });
  const connectionsPerIp = new ConnectionCounter(limits.maxConnectionsPerIp);
  const messageRate = new MessageRateLimiter(limits.maxMessagesPerSecond);
  const engine: SpeechEngine = createPipelineEngine({
    modelsDir: options.modelsDir,
    vocoder: options.vocoder ?? vocoderFromEnv(),
    workers: options.workers,
    maxQueueWaitMs: options.maxQueueWaitMs ?? envPositive('CLONECAST_MAX_QUEUE_WAIT_MS'),
    metrics,
  });
  const store = createVoiceStore(options.dataDir ?? process.env.CLONECAST_DATA ?? join(process.cwd(), 'data', 'server'));
  await store.sweepInterrupted(); // leftovers of saves a crash cut short are never voices
  const sessions = new Set<Session>();
  const inbound = { bytes: 0 };
  let closing = false;
  let closed: Promise<void> | null = null;
  let failed = false;
  // A failed model load must not crash the process: /readyz answers 503 "failed", /healthz stays 200.
  engine.ready.catch((err) => {
    failed = true;
    (options.log ?? console.error)('pipeline failed to start', err);
  });

  const http = createServer(
    createHttpHandler({
      registry: metrics.registry,
      readiness: () => (closing ? 'closing' : failed ? 'failed' : engine.isReady() ? 'ready' : 'starting'),
    }),
  );
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, handleProtocols: selectProtocol });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy()); // a peer reset mid-handshake must not crash the process
    const path = (req.url ?? '').split('?')[0];
    const ip = req.socket.remoteAddress ?? 'unknown';
    const refuse =
      path !== STREAM_PATH
        ? '404 Not Found'
        : closing || sessions.size >= limits.maxSessions
          ? '503 Service Unavailable'
          : access.check(req) ?? (connectionsPerIp.tryAcquire(ip) ? null : '429 Too Many Requests');
    if (refuse !== null) {
      const challenge = refuse.startsWith('401') ? 'WWW-Authenticate: Bearer\r\n' : '';
      socket.end(`HTTP/1.1 ${refuse}\r\n${challenge}Connection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    messageRate.join(ip);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      connectionsPerIp.release(ip);
      messageRate.leave(ip);
    };
    socket.once('close', release); // a handshake that fails never makes a session
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new Session(ws, {
        engine,
        store,
        limits,
        metrics,
        log: options.log,
        admitMessage: () => messageRate.take(ip),
        utteranceSlots,
        inbound,
        onClosed: (s) => {
          sessions.delete(s);
          release();
        },
      });
      sessions.add(session);
    });
  });

  const port = options.port ?? (process.env.PORT !== undefined ? Number(process.env.PORT) : 8080);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  async function shutdown(graceMs: number): Promise<void> {
    closing = true;
    // No new TCP connections; upgrades on kept-alive ones get 503 (closing).
    const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
    for (const session of sessions) session.stopAccepting();
    const deadline = performance.now() + graceMs;
    while ([...sessions].some((s) => s.pendingUtterances > 0) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_POLL_MS));
    }
    for (const session of [...sessions]) session.close(CloseCode.goingAway, 'server shutting down');
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    http.closeAllConnections();
    await httpClosed;
    await engine.close();
  }

  const address = http.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;

  return {
    port: boundPort,
    metrics,
    ready: engine.ready,
    close(closeOptions = {}) {
      closed ??= shutdown(closeOptions.graceMs ?? options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
      return closed;
    },
    stats: () => ({
      sessions: sessions.size,
      utterances: [...sessions].reduce((n, s) => n + s.pendingUtterances, 0),
      ...engine.stats(),
      sockets: wss.clients.size,
      bufferedBytes: inbound.bytes + [...wss.clients].reduce((n, ws) => n + ws.bufferedAmount, 0),
    }),
    runTestHook: (hook) => engine.runTestHook(hook),
  };
}

/** CLONECAST_VOCODER=wavernn|griffin-lim overrides the model directory's served vocoder; other values fail the start. */
function vocoderFromEnv(): 'wavernn' | 'griffin-lim' | undefined {
  const value = process.env.CLONECAST_VOCODER;
  if (value === undefined || value === '') return undefined;
  if (value !== 'wavernn' && value !== 'griffin-lim') throw new Error(`CLONECAST_VOCODER must be "wavernn" or "griffin-lim", not "${value}"`);
  return value;
}
