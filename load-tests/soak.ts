/**
 * `npm run soak`: a long steady load (default 30 min, 2 sessions that each enroll and speak like a
 * live bot, with sessions replaced every few minutes so connect/enroll/close paths run too) and the
 * server's resident memory over time. Passes when RSS growth from the warmed-up baseline (mean of
 * minutes 3-5) to the end (mean of the last 3 minutes) is at most 5%. A script, not a CI test.
 *
 *   node dist/load-tests/soak.js [--minutes 30] [--sessions 2] [--recycle-minutes 5] [--server http://host:port]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LOAD_SENTENCES } from './loadRun.js';
import { LoadSession, type UtteranceRecord } from './loadSession.js';
import { externalServer, sampleServer, spawnServer, type ServerSample } from './serverUnderTest.js';
import { fileURLToPath } from 'node:url';
import { readWav, toMono, floatToInt16 } from '../src/pipeline/audio/wav.js';

const MAX_GROWTH = 0.05;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '30' },
      sessions: { type: 'string', default: '2' },
      'recycle-minutes': { type: 'string', default: '5' },
      server: { type: 'string' },
      out: { type: 'string', default: join('runs', 'soak') },
    },
  });
  const minutes = Number(values.minutes);
  const count = Number(values.sessions);
  const recycleMs = Number(values['recycle-minutes']) * 60_000;
  if (!(minutes >= 10) || !(count >= 1) || !(recycleMs > 0)) throw new Error('--minutes >= 10, --sessions >= 1, --recycle-minutes > 0');
  const wav = readWav(new Uint8Array(readFileSync(fileURLToPath(new URL('../../test/fixtures/audio/reference_16k.wav', import.meta.url)))));
  const reference = new Uint8Array(Int16Array.from(toMono(wav).subarray(0, 16000 * 4), floatToInt16).buffer);
  const server = values.server !== undefined ? externalServer(values.server) : await spawnServer();
  const samples: ServerSample[] = [];
  const records: UtteranceRecord[] = [];
  const errors: string[] = [];
  let index = 0;
  const start = () => {
    const s = new LoadSession(index++, {
      url: server.streamUrl, reference, sentences: LOAD_SENTENCES, streamedShare: 0.3, cancelledShare: 0.15, prebufferMs: 60,
      phase: () => 'soak', onRecord: (r) => records.push(r), onSessionError: (c) => errors.push(c),
    });
    return { session: s, run: s.run() };
  };
  try {
    const t0 = performance.now();
    let active = Array.from({ length: count }, start);
    let lastRecycle = t0;
    while (performance.now() - t0 < minutes * 60_000) {
      const s = await sampleServer(server);
      if (s) samples.push(s);
      if (performance.now() - lastRecycle > recycleMs) {
        // Replace one session: exercises close, connect and enrollment, not only speaking.
        const [old, ...rest] = active;
        old.session.stop();
        active = [...rest, start()];
        lastRecycle = performance.now();
      }
      const elapsed = (performance.now() - t0) / 60_000;
      if (samples.length % 60 === 0 && s) process.stderr.write(`soak: ${elapsed.toFixed(1)} min, rss ${(s.rssBytes / 2 ** 20).toFixed(1)} MB, ${records.length} utterances\n`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    for (const a of active) a.session.stop();
    await Promise.race([Promise.all(active.map((a) => a.run)), new Promise((r) => setTimeout(r, 30_000))]);
    const t = (s: ServerSample) => (s.at - t0) / 60_000;
    const mean = (xs: ServerSample[]) => xs.reduce((a, s) => a + s.rssBytes, 0) / Math.max(xs.length, 1) / 2 ** 20;
    const baseline = mean(samples.filter((s) => t(s) >= 3 && t(s) < 5));
    const end = mean(samples.filter((s) => t(s) >= minutes - 3));
    const growth = (end - baseline) / baseline;
    const failed = records.filter((r) => r.outcome === 'failed' || r.outcome === 'lost').length;
    const result = {
      minutes, sessions: count, utterances: records.length, failedUtterances: failed, sessionErrors: errors.length,
      rssMb: { baseline: round(baseline), end: round(end), max: round(Math.max(...samples.map((s) => s.rssBytes)) / 2 ** 20) },
      growthPercent: round(growth * 100), pass: growth <= MAX_GROWTH,
      series: samples.map((s) => [round(t(s), 2), round(s.rssBytes / 2 ** 20)]),
    };
    mkdirSync(values.out!, { recursive: true });
    const file = join(values.out!, `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(
      `soak ${minutes} min, ${count} sessions, ${records.length} utterances (${failed} failed): RSS ${result.rssMb.baseline} -> ${result.rssMb.end} MB ` +
        `(${result.growthPercent}%, limit ${MAX_GROWTH * 100}%) ${result.pass ? 'PASS' : 'FAIL'}; wrote ${file}\n`,
    );
    return result.pass ? 0 : 1;
  } finally {
    await server.stop();
  }
}

function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`soak: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
