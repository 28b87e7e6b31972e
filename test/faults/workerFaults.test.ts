/**
 * An inference worker that dies, or a model call that throws, while two sessions speak over real
 * WebSockets: only the session whose task it was gets an error (`inference_failed`, then
 * `done {outcome: "failed"}`); the other completes with exactly the audio of its seeded solo run;
 * the pool replaces a dead worker, so later sessions are served and /readyz stays ready.
 *
 * One worker, so the armed worker is the one every task goes to; the fault is armed on the text
 * encoder (`synthEncoder`, one call per sentence), after the surviving session's only sentence was
 * encoded, so the failing session's first call is the one that meets it. Real server, models, Opus.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TEST_HOOKS_ENV } from '../../src/pipeline/runtime/testHooks.js';
import type { FaultKind } from '../../src/pipeline/index.js';
import { httpGet, saveReferenceVoice, startTestServer, type TestServer } from '../server/serverFixtures.js';
import { TestClient } from '../server/wsTestClient.js';

process.env[TEST_HOOKS_ENV] = '1'; // read when the server's pool is created

/** One sentence (one `synthEncoder` call), long enough that it is still playing when the other session speaks. */
const SURVIVOR_TEXT = 'This single sentence goes on for quite a while, with a few clauses and commas, so that its audio is still flowing when the other session speaks';
const SURVIVOR_SEED = 1234;

type Ctx = { ts: TestServer; voice: string; solo: string[] };
const faults = suite<Ctx>('worker faults', { ts: undefined as never, voice: '', solo: [] });

faults.before(async (ctx) => {
  // A replacement worker loads its models while the survivor's next tasks wait: no `busy` for that.
  ctx.ts = await startTestServer({ workers: 1, maxQueueWaitMs: 60_000 });
  ctx.voice = await saveReferenceVoice(ctx.ts.server.port);
  const solo = await withVoice(ctx);
  solo.json({ type: 'speak', id: 'solo', text: SURVIVOR_TEXT, seed: SURVIVOR_SEED });
  assert.is((await solo.next('done')).outcome, 'completed');
  ctx.solo = payloads(solo, 0);
  solo.close();
});

faults.after(async (ctx) => {
  await ctx.ts.stop();
});

async function withVoice(ctx: Ctx): Promise<TestClient> {
  const c = await TestClient.connect(ctx.ts.server.port);
  c.json({ type: 'start', voice: ctx.voice });
  await c.next('started');
  return c;
}

/** Audio payloads of an utterance, as hex strings (compared byte for byte). */
function payloads(c: TestClient, utterance: number): string[] {
  return c.frames(utterance).map((f) => Buffer.from(f.payload).toString('hex'));
}

/** Two sessions speak; `fault` is armed between them; returns after both utterances are done. */
async function speakThroughFault(ctx: Ctx, fault: FaultKind): Promise<void> {
  const survivor = await withVoice(ctx);
  const victim = await withVoice(ctx);
  survivor.json({ type: 'speak', id: 'keep', text: SURVIVOR_TEXT, seed: SURVIVOR_SEED });
  await survivor.until(() => survivor.frames(0).length > 0); // its text encoder has run
  await ctx.ts.server.runTestHook({ kind: 'test-arm-fault', task: 'synthEncoder', fault });
  victim.json({ type: 'speak', id: 'lost', text: 'Hello from the other session.', seed: 7 });

  assert.is((await victim.next('queued')).id, 'lost');
  const error = await victim.nextError();
  assert.is(error.code, 'inference_failed');
  assert.is(error.id, 'lost');
  const failed = await victim.next('done');
  assert.is(failed.outcome, 'failed');
  assert.is(failed.code, 'inference_failed');

  const kept = await survivor.next('done');
  assert.is(kept.outcome, 'completed');
  assert.equal(survivor.all('error'), [], 'the other session saw no error');
  const audio = payloads(survivor, 0);
  assert.ok(audio.length > 10);
  assert.ok(audio.length === ctx.solo.length && audio.every((p, i) => p === ctx.solo[i]), 'the survivor\'s audio is byte-identical to its solo run');

  // The failed session itself goes on: its next utterance is served.
  victim.json({ type: 'speak', id: 'again', text: 'Back again.', seed: 8 });
  assert.is((await victim.next('done')).outcome, 'completed');
  survivor.close();
  victim.close();
}

/** /readyz answers ready (the pool has a live worker), polled while a replacement loads; hang guard 60 s. */
async function readyAgain(ts: TestServer): Promise<{ status: number; body: string }> {
  const until = Date.now() + 60_000;
  for (;;) {
    const r = await httpGet(ts.server.port, '/readyz');
    if (r.status === 200 || Date.now() > until) return r;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

faults('a worker that crashes on a session\'s task fails only that session; the other completes byte-identical; the worker is replaced', async (ctx) => {
  await speakThroughFault(ctx, 'crash');
  const ready = await readyAgain(ctx.ts);
  assert.is(ready.status, 200);
  assert.equal(JSON.parse(ready.body), { status: 'ready' });
  const fresh = await withVoice(ctx);
  fresh.json({ type: 'speak', id: 'fresh', text: 'A new session after the crash.' });
  assert.is((await fresh.next('done')).outcome, 'completed');
  fresh.close();
});

faults('a worker thread that exits on a session\'s task: the same, only that session fails', async (ctx) => {
  await speakThroughFault(ctx, 'exit');
  assert.is((await readyAgain(ctx.ts)).status, 200);
});

faults('a model call that throws answers only its session; the other completes byte-identical', async (ctx) => {
  await speakThroughFault(ctx, 'throw');
  assert.is((await readyAgain(ctx.ts)).status, 200);
});

faults.run();
