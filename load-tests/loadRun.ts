/**
 * The load run: ramps concurrent sessions level by level (ramp, then a steady window measured per
 * level), stops after a level falls out of real time, then spikes to twice the knee at once. The
 * server's CPU and RSS are sampled from its /metrics every second. Returns the report.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readWav, toMono, floatToInt16 } from '../src/pipeline/audio/wav.js';
import { LoadSession, type UtteranceRecord } from './loadSession.js';
import { findKnee, summarizePhase, type LoadReport, type PhaseSummary } from './loadReport.js';
import { sampleServer, type ServerSample, type ServerUnderTest } from './serverUnderTest.js';

export interface LoadOptions {
  readonly server: ServerUnderTest;
  /** Concurrency levels, ascending. */
  readonly levels: readonly number[];
  /** Seconds over which a level's new sessions join (and enroll) before its steady window. */
  readonly rampSeconds: number;
  /** Seconds each level is measured for. */
  readonly steadySeconds: number;
  /** Sessions of the spike phase (0: no spike; default in the CLI: 2 x knee). */
  readonly spikeSessions: number | 'twice-knee';
  readonly spikeSeconds: number;
  /** Failing levels after which no higher level is tried. */
  readonly stopAfterFailedLevels: number;
  readonly streamedShare: number;
  readonly cancelledShare: number;
  /** Client jitter buffer before playback starts, ms. */
  readonly prebufferMs: number;
  readonly headers?: Record<string, string>;
  /** Progress lines. */
  readonly log: (line: string) => void;
}

/** Ordinary sentences of 1.5-3 s; two are spoken per utterance. */
export const LOAD_SENTENCES = [
  'The quick brown fox jumps over the lazy dog.',
  'Please call me back when you get this message.',
  'It is going to rain later this afternoon.',
  'We should leave early to avoid the traffic.',
  'Thank you for waiting, your order is ready.',
  'The meeting has been moved to Thursday morning.',
  'Could you turn the music down a little?',
  'I found the keys under the kitchen table.',
];

const REFERENCE = fileURLToPath(new URL('../../test/fixtures/audio/reference_16k.wav', import.meta.url));
const SAMPLE_EVERY_MS = 1000;

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const reference = referencePcm();
  const records: UtteranceRecord[] = [];
  const sessionErrors: { phase: string; code: string }[] = [];
  const samples: ServerSample[] = [];
  let phase = 'start';
  /** Active sessions; `retired` ones were stopped to shrink to the spike's size. */
  const sessions: LoadSession[] = [];
  const retired: LoadSession[] = [];
  let nextSessionIndex = 0;
  const runs: Promise<void>[] = [];
  const startedAt = new Date().toISOString();
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadavg()[0].toFixed(2)} at start`;

  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const s = await sampleServer(options.server);
      if (s) samples.push(s);
      await sleep(SAMPLE_EVERY_MS);
    }
  })();

  const addSession = () => {
    const session = new LoadSession(nextSessionIndex++, {
      url: options.server.streamUrl,
      headers: options.headers,
      reference,
      sentences: LOAD_SENTENCES,
      streamedShare: options.streamedShare,
      cancelledShare: options.cancelledShare,
      prebufferMs: options.prebufferMs,
      phase: () => phase,
      onRecord: (r) => records.push(r),
      onSessionError: (code) => sessionErrors.push({ phase, code }),
    });
    sessions.push(session);
    runs.push(session.run());
  };

  const measure = async (label: string, seconds: number): Promise<PhaseSummary> => {
    phase = label;
    const from = performance.now();
    await sleep(seconds * 1000);
    const to = performance.now();
    phase = `after-${label}`;
    // Utterances that started in the window finish after it: wait for them before summarizing.
    await sleep(3000);
    const errors = sessionErrors.filter((e) => e.phase === label).map((e) => e.code);
    return summarizePhase(label, sessions.length, from, to, records, errors, samples);
  };

  const phases: PhaseSummary[] = [];
  try {
    let failedLevels = 0;
    for (const level of options.levels) {
      phase = `ramp-${level}`;
      const adding = level - sessions.length;
      for (let i = 0; i < adding; i++) {
        addSession();
        await sleep((options.rampSeconds * 1000) / Math.max(adding, 1));
      }
      await sleep(1500); // the last joiner enrolls before the window opens
      const summary = await measure(`level-${level}`, options.steadySeconds);
      phases.push(summary);
      options.log(`level ${level}: ttfa p95 ${summary.ttfaMs.p95} ms, underrun utterances ${summary.utterancesWithUnderrun}, errors ${JSON.stringify(summary.errors)}, ${summary.realTime ? 'real time' : 'NOT real time'}`);
      if (!summary.realTime && ++failedLevels >= options.stopAfterFailedLevels) break;
    }
    const knee = findKnee(phases);
    const spike = options.spikeSessions === 'twice-knee' ? 2 * Math.max(knee, 1) : options.spikeSessions;
    if (spike > 0) {
      phase = `spike-${spike}`;
      while (sessions.length > spike) retired.push(sessions.pop()!); // came from a level past the spike
      for (const s of retired) s.stop();
      while (sessions.length < spike) addSession(); // all at once: the shock
      const summary = await measure(`spike-${spike}`, options.spikeSeconds);
      phases.push(summary);
      options.log(`spike ${spike}: errors ${JSON.stringify(summary.errors)}, refusal p95 ${summary.refusalMs.p95} ms, admitted with underruns ${summary.utterancesWithUnderrun}`);
    }
  } finally {
    for (const s of sessions) s.stop();
    await Promise.race([Promise.all(runs), sleep(30_000, true)]);
    sampling = false;
    await sampler;
  }

  const rss = samples.map((s) => s.rssBytes / 2 ** 20);
  return {
    machine,
    startedAt,
    options: {
      levels: options.levels, rampSeconds: options.rampSeconds, steadySeconds: options.steadySeconds, spikeSessions: options.spikeSessions,
      spikeSeconds: options.spikeSeconds, streamedShare: options.streamedShare, cancelledShare: options.cancelledShare, prebufferMs: options.prebufferMs,
    },
    phases,
    knee: findKnee(phases.filter((p) => p.phase.startsWith('level'))),
    rssMb: { first: rss[0] ?? null, last: rss[rss.length - 1] ?? null, max: rss.length ? Math.max(...rss) : null },
  };
}

/** 4 s of the reference speaker (test/fixtures/audio) as 16-bit LE PCM at 16 kHz. */
function referencePcm(): Uint8Array {
  const wav = readWav(new Uint8Array(readFileSync(REFERENCE)));
  const pcm = Int16Array.from(toMono(wav).subarray(0, wav.sampleRate * 4), floatToInt16);
  return new Uint8Array(pcm.buffer);
}

/** `unref`: a guard timer that must not keep the process alive after the work is done. */
function sleep(ms: number, unref = false): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (unref) timer.unref();
  });
}
