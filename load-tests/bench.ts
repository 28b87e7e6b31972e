/**
 * `npm run bench`: end-to-end speed of a real server (child process, real models, real sockets).
 * Measures time to first audio (speak sent -> first audio frame received, at the client) for one
 * stream and for N concurrent streams, whether N streams keep up with real time, and the server's
 * peak resident memory; prints a table against the product targets. Bounded to about 2 minutes.
 *
 *   node dist/load-tests/bench.js [--streams 8] [--utterances 6] [--server ws://host:port] [--json]
 *
 * With --server the bench drives an already running server (RSS is then not measured).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CloneCastClient } from '../src/client/cloneCastClient.js';

const TARGETS = { ttfaP50Ms: 50, realTimeStreams: 8, rssMb: 500 };
/** Sentences spoken in turn; ordinary English of 1.5-3 s. */
const SENTENCES = [
  'The quick brown fox jumps over the lazy dog.',
  'Please call me back when you get this message.',
  'It is going to rain later this afternoon.',
  'We should leave early to avoid the traffic.',
  'Thank you for waiting, your order is ready.',
  'The meeting has been moved to Thursday morning.',
];
const REFERENCE = fileURLToPath(new URL('../../test/fixtures/audio/reference_16k.wav', import.meta.url));
const CLI = fileURLToPath(new URL('../src/client/cli.js', import.meta.url));
/** Whole-run guard: the bench never hangs a CI job. */
const DEADLINE_MS = 150_000;

interface UtteranceFigures {
  readonly ttfaMs: number;
  readonly serverTtfaMs: number | null;
  readonly rtf: number | null;
  readonly audioSeconds: number;
  /** Seconds from speak sent to done received. */
  readonly wallSeconds: number;
}

interface StreamFigures {
  readonly utterances: UtteranceFigures[];
  /** Audio seconds received / wall seconds from the first speak to the last done (>= 1: real time). */
  readonly speedOverRealTime: number;
  readonly failures: string[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { streams: { type: 'string', default: '8' }, utterances: { type: 'string', default: '6' }, server: { type: 'string' }, json: { type: 'boolean' } },
  });
  const streams = positive(values.streams!, '--streams');
  const utterances = positive(values.utterances!, '--utterances');
  const guard = setTimeout(() => {
    process.stderr.write(`bench: gave up after ${DEADLINE_MS / 1000} s\n`);
    process.exit(1);
  }, DEADLINE_MS);
  guard.unref();

  const server = values.server ? { url: values.server, child: null, dataDir: null } : await startChildServer();
  const rss = server.child ? watchRss(server.child.pid!) : null;
  try {
    const voice = await saveReferenceVoice(server.url);
    await runStream(server.url, voice, 1); // warm-up: first calls pay for lazy initialisation
    const single = await runStream(server.url, voice, utterances);
    rss?.reset();
    const concurrent = await Promise.all(Array.from({ length: streams }, () => runStream(server.url, voice, Math.max(2, Math.ceil(utterances / 2)))));
    report({ streams, single, concurrent, peakRssMb: rss ? rss.peakMb() : null, json: values.json ?? false });
  } finally {
    rss?.stop();
    if (server.child) await stopChild(server.child);
    if (server.dataDir) rmSync(server.dataDir, { recursive: true, force: true });
  }
}

/** `clonecast serve --port 0` as a child; resolves when it reports its port and /readyz answers 200. */
async function startChildServer(): Promise<{ url: string; child: ChildProcess; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'clonecast-bench-'));
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = /listening on port (\d+)/.exec(line);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited with code ${code} before listening`)));
  });
  for (const started = Date.now(); ; ) {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() - started > 60_000) throw new Error('server not ready within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url: `ws://127.0.0.1:${port}`, child, dataDir };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** Enrolls the fixture reference once and saves it, so every stream starts with `start {voice}`. */
async function saveReferenceVoice(url: string): Promise<string> {
  const client = await CloneCastClient.connect(url);
  try {
    await client.enrollWav(new Uint8Array(readFileSync(REFERENCE)));
    return await client.saveVoice('bench');
  } finally {
    await client.close();
  }
}

/** One session speaking `count` sentences one after another, each after the previous one's `done`. */
async function runStream(url: string, voice: string, count: number): Promise<StreamFigures> {
  const client = await CloneCastClient.connect(url, { output: { format: 'opus', channels: 1 } });
  const utterances: UtteranceFigures[] = [];
  const failures: string[] = [];
  const started = performance.now();
  try {
    await client.useVoice(voice);
    for (let i = 0; i < count; i++) {
      const speech = client.speak(SENTENCES[i % SENTENCES.length]);
      try {
        for await (const _frame of speech) {
          // frames are counted by the server's done; reading them keeps the socket drained
        }
        const done = await speech.done;
        utterances.push({
          ttfaMs: speech.firstFrameAt! - speech.sentAt,
          serverTtfaMs: done.ttfaMs,
          rtf: done.rtf,
          audioSeconds: done.audioSeconds,
          wallSeconds: (performance.now() - speech.sentAt) / 1000,
        });
      } catch (err) {
        failures.push((err as { code?: string }).code ?? String(err));
      }
    }
  } finally {
    await client.close();
  }
  const audio = utterances.reduce((s, u) => s + u.audioSeconds, 0);
  return { utterances, failures, speedOverRealTime: audio / ((performance.now() - started) / 1000) };
}

/** Samples the child's VmRSS from /proc every 100 ms (Linux). */
function watchRss(pid: number): { peakMb(): number; reset(): void; stop(): void } {
  let peak = 0;
  const sample = () => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      // process gone or no /proc: keep the last peak
    }
  };
  const timer = setInterval(sample, 100);
  return { peakMb: () => (sample(), peak), reset: () => (peak = 0), stop: () => clearInterval(timer) };
}

function report(r: { streams: number; single: StreamFigures; concurrent: StreamFigures[]; peakRssMb: number | null; json: boolean }): void {
  const all = r.concurrent.flatMap((s) => s.utterances);
  const failures = [...r.single.failures, ...r.concurrent.flatMap((s) => s.failures)];
  const single = r.single.utterances;
  const slowest = Math.min(...r.concurrent.map((s) => s.speedOverRealTime));
  const figures = {
    single: {
      ttfaP50Ms: percentile(single.map((u) => u.ttfaMs), 50),
      ttfaP95Ms: percentile(single.map((u) => u.ttfaMs), 95),
      serverTtfaP50Ms: percentile(single.map((u) => u.serverTtfaMs ?? NaN), 50),
      rtfP50: percentile(single.map((u) => u.rtf ?? NaN), 50),
      utterances: single.length,
    },
    concurrent: {
      streams: r.streams,
      ttfaP50Ms: percentile(all.map((u) => u.ttfaMs), 50),
      ttfaP95Ms: percentile(all.map((u) => u.ttfaMs), 95),
      rtfP50: percentile(all.map((u) => u.rtf ?? NaN), 50),
      rtfP95: percentile(all.map((u) => u.rtf ?? NaN), 95),
      slowestStreamSpeed: slowest,
      utterances: all.length,
    },
    peakRssMb: r.peakRssMb,
    failures,
  };
  if (r.json) {
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return;
  }
  const rows: [string, string, string, string][] = [
    ['time to first audio p50, 1 stream', ms(figures.single.ttfaP50Ms), `<= ${TARGETS.ttfaP50Ms} ms`, ratio(figures.single.ttfaP50Ms / TARGETS.ttfaP50Ms)],
    ['time to first audio p95, 1 stream', ms(figures.single.ttfaP95Ms), '', ''],
    ['server-reported ttfa p50, 1 stream', ms(figures.single.serverTtfaP50Ms), '', ''],
    ['real-time factor p50, 1 stream', fixed(figures.single.rtfP50), '< 1', ''],
    [`time to first audio p50, ${r.streams} streams`, ms(figures.concurrent.ttfaP50Ms), '', ''],
    [`time to first audio p95, ${r.streams} streams`, ms(figures.concurrent.ttfaP95Ms), '', ''],
    [`real-time factor p50 / p95, ${r.streams} streams`, `${fixed(figures.concurrent.rtfP50)} / ${fixed(figures.concurrent.rtfP95)}`, '< 1', ''],
    [`slowest of ${r.streams} streams, audio s per wall s`, fixed(slowest), `>= 1 (${TARGETS.realTimeStreams} streams)`, ratio(1 / slowest)],
    [`server peak RSS, ${r.streams} sessions`, r.peakRssMb === null ? 'n/a' : `${r.peakRssMb.toFixed(0)} MB`, `< ${TARGETS.rssMb} MB`, r.peakRssMb === null ? '' : ratio(r.peakRssMb / TARGETS.rssMb)],
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((row) => row[c].length), ['measure', 'value', 'target', 'value/target'][c].length));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  process.stdout.write(`${line(['measure', 'value', 'target', 'value/target'])}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
  process.stdout.write(`utterances: ${figures.single.utterances} single, ${figures.concurrent.utterances} concurrent; failures: ${failures.length ? failures.join(', ') : 'none'}\n`);
  process.stdout.write('value/target <= 1 meets the target. ttfa is measured at the client (speak sent -> first frame received).\n');
}

function percentile(values: number[], p: number): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))];
}

const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');
const fixed = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const ratio = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
