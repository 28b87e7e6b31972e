/**
 * The server a load run drives: a `clonecast serve` child process (so its CPU and memory are its
 * own, not the load generator's), or an already running server given by URL. Its CPU and resident
 * memory are read from its own /metrics (prom-client process metrics: worker threads included).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/client/cli.js', import.meta.url));
const START_GUARD_MS = 180_000;

export interface ServerUnderTest {
  /** ws://host:port/v1/stream */
  readonly streamUrl: string;
  /** http://host:port */
  readonly httpUrl: string;
  /** Stops the child (SIGTERM) and removes its data dir; no-op for an external server. */
  stop(): Promise<void>;
}

/** One reading of the server's process metrics. */
export interface ServerSample {
  /** performance.now() of the reading, ms. */
  readonly at: number;
  /** User + system CPU seconds since the process started. */
  readonly cpuSeconds: number;
  readonly rssBytes: number;
}

/** Spawns `clonecast serve` on a free port with a fresh data dir; `env` adds environment variables. */
export async function spawnServer(options: { workers?: number; env?: Record<string, string> } = {}): Promise<ServerUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'clonecast-load-'));
  const args = [CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data', dataDir];
  if (options.workers !== undefined) args.push('--workers', String(options.workers));
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const deadline = Date.now() + START_GUARD_MS;
  let port: number | null = null;
  while (port === null || !text.includes('clonecast ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${text}`);
    }
    port = Number(/listening on port (\d+)/.exec(text)?.[1] ?? NaN) || null;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    streamUrl: `ws://127.0.0.1:${port}/v1/stream`,
    httpUrl: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(guard);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A server already running at `httpUrl` (e.g. http://127.0.0.1:8080). */
export function externalServer(httpUrl: string): ServerUnderTest {
  const base = httpUrl.replace(/\/$/, '');
  return { streamUrl: `${base.replace(/^http/, 'ws')}/v1/stream`, httpUrl: base, stop: async () => {} };
}

/** Reads CPU seconds and RSS from the server's /metrics; null when unavailable. */
export async function sampleServer(server: ServerUnderTest): Promise<ServerSample | null> {
  try {
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    const cpu = metricValue(text, 'clonecast_process_cpu_seconds_total');
    const rss = metricValue(text, 'clonecast_process_resident_memory_bytes');
    return cpu === null || rss === null ? null : { at: performance.now(), cpuSeconds: cpu, rssBytes: rss };
  } catch {
    return null;
  }
}

function metricValue(text: string, name: string): number | null {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}
