/**
 * A client that vanishes (socket destroyed, no close handshake) mid-utterance, mid-stream of text or
 * mid-enrollment: within 1 s the server holds nothing for it: no session, no utterance, no running
 * synthesis, no enrollment, no inference task running or queued, no socket, no buffered bytes
 * (counted through `RunningServer.stats()`). Real server, real models, real sockets.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TEST_HOOKS_ENV } from '../../src/pipeline/runtime/testHooks.js';
import type { ServerStats } from '../../src/server/index.js';
import { pcmBytes, referencePcm, startTestServer, saveReferenceVoice, type TestServer } from '../server/serverFixtures.js';
import { TestClient } from '../server/wsTestClient.js';

/** The bound: everything a vanished client held is freed within this long. */
const FREED_WITHIN_MS = 1000;
const LONG_TEXT = 'This sentence is long enough to keep the vocoder busy for a while. And here is another one after it. And a third.';
const NOTHING: ServerStats = { sessions: 0, utterances: 0, syntheses: 0, enrollments: 0, inferenceRunning: 0, inferenceQueued: 0, sockets: 0, bufferedBytes: 0 };
const WORKERS = 2;
/** Test hooks occupy every worker this long: well past the bound, so queued tasks can only leave the queue by being dropped. */
const WORKERS_ASLEEP_MS = 4000;

process.env[TEST_HOOKS_ENV] = '1'; // read when the server's pool is created

const faults = suite<{ ts: TestServer; voice: string }>('client disconnects', { ts: undefined as never, voice: '' });

faults.before(async (ctx) => {
  ctx.ts = await startTestServer({ workers: WORKERS });
  ctx.voice = await saveReferenceVoice(ctx.ts.server.port);
});

faults.after(async (ctx) => {
  await ctx.ts.stop();
});

/** Polls stats until they equal `expected` (default NOTHING) or FREED_WITHIN_MS has passed since `since`; returns the last. */
async function statsAfterVanish(ts: TestServer, since: number, expected: ServerStats = NOTHING): Promise<ServerStats> {
  for (;;) {
    const stats = ts.server.stats();
    if (JSON.stringify(stats) === JSON.stringify(expected) || performance.now() - since > FREED_WITHIN_MS) return stats;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function withVoice(ctx: { ts: TestServer; voice: string }): Promise<TestClient> {
  const c = await TestClient.connect(ctx.ts.server.port);
  c.json({ type: 'start', voice: ctx.voice });
  await c.next('started');
  return c;
}

faults('mid-utterance: the playing and queued utterances, their synthesis and inference are freed within 1 s', async (ctx) => {
  const c = await withVoice(ctx);
  c.json({ type: 'speak', id: 'a', text: LONG_TEXT });
  c.json({ type: 'speak', id: 'b', text: LONG_TEXT });
  await c.next('queued');
  await c.next('queued');
  await c.until(() => c.frames(0).length > 0);
  const busy = ctx.ts.server.stats();
  assert.is(busy.utterances, 2);
  assert.is(busy.syntheses, 1, 'a sentence is being synthesized while audio flows');
  const vanished = performance.now();
  c.ws.terminate(); // TCP gone, no close frame
  assert.equal(await statsAfterVanish(ctx.ts, vanished), NOTHING);
});

faults('mid-stream of text: an open (non-final) utterance is freed within 1 s', async (ctx) => {
  const c = await withVoice(ctx);
  c.json({ type: 'speak', id: 's', text: 'The first sentence is complete. The second one is', final: false });
  await c.next('queued');
  await c.until(() => c.frames(0).length > 0);
  const vanished = performance.now();
  c.ws.terminate();
  assert.equal(await statsAfterVanish(ctx.ts, vanished), NOTHING);
});

faults('mid-enrollment: the enrollment and its embedding work are freed within 1 s', async (ctx) => {
  const c = await TestClient.connect(ctx.ts.server.port);
  c.json({ type: 'start', audio: { sampleRate: 16000 } });
  await c.next('started');
  const { pcm } = referencePcm();
  for (let at = 0; at + 1600 <= pcm.length; at += 1600) c.binary(pcmBytes(pcm, at, at + 1600));
  await c.next('embedding');
  assert.is(ctx.ts.server.stats().enrollments, 1);
  const vanished = performance.now();
  c.ws.terminate();
  assert.equal(await statsAfterVanish(ctx.ts, vanished), NOTHING);
});

/** Waits (hang guard 60 s) until the server's stats satisfy `predicate`. */
async function untilStats(ts: TestServer, predicate: (s: ServerStats) => boolean): Promise<void> {
  const until = Date.now() + 60_000;
  while (!predicate(ts.server.stats())) {
    if (Date.now() > until) throw new Error(`hang guard: stats never matched: ${JSON.stringify(ts.server.stats())}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Occupies every worker with a test-hook sleep; resolves when they wake. */
function occupyWorkers(ts: TestServer): Promise<void[]> {
  const asleep = Promise.all(Array.from({ length: WORKERS }, () => ts.server.runTestHook({ kind: 'test-sleep', ms: WORKERS_ASLEEP_MS })));
  asleep.catch(() => undefined); // a failed test's server closes under them: pool_closed
  return asleep;
}

faults('mid-utterance with its inference queued behind busy workers: the queued tasks are dropped (not run) within 1 s', async (ctx) => {
  const c = await withVoice(ctx);
  const asleep = occupyWorkers(ctx.ts);
  c.json({ type: 'speak', id: 'q', text: LONG_TEXT });
  await c.next('queued');
  await untilStats(ctx.ts, (s) => s.inferenceQueued > 0 && s.syntheses === 1);
  const vanished = performance.now();
  c.ws.terminate();
  // Only the two sleeping hooks still run; the client's tasks left the queue.
  assert.equal(await statsAfterVanish(ctx.ts, vanished, { ...NOTHING, inferenceRunning: WORKERS }), { ...NOTHING, inferenceRunning: WORKERS });
  await asleep;
  await untilStats(ctx.ts, (s) => s.inferenceRunning === 0);
});

faults('mid-enrollment with its embedding queued behind busy workers: the queued windows are dropped within 1 s', async (ctx) => {
  const c = await TestClient.connect(ctx.ts.server.port);
  c.json({ type: 'start', audio: { sampleRate: 16000 } });
  await c.next('started');
  const asleep = occupyWorkers(ctx.ts);
  c.binary(pcmBytes(referencePcm().pcm, 0, 16000 * 3));
  await untilStats(ctx.ts, (s) => s.inferenceQueued > 0);
  const vanished = performance.now();
  c.ws.terminate();
  assert.equal(await statsAfterVanish(ctx.ts, vanished, { ...NOTHING, inferenceRunning: WORKERS }), { ...NOTHING, inferenceRunning: WORKERS });
  await asleep;
  await untilStats(ctx.ts, (s) => s.inferenceRunning === 0);
});

faults('the server keeps serving after the vanished clients', async (ctx) => {
  const c = await withVoice(ctx);
  c.json({ type: 'speak', id: 'after', text: 'Still here.' });
  assert.is((await c.next('done')).outcome, 'completed');
  c.close();
});

faults.run();
