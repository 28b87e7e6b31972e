/**
 * A client that vanishes (socket destroyed, no close handshake) mid-utterance, mid-stream of text or
 * mid-enrollment: within 1 s the server holds nothing for it: no session, no utterance, no running
 * synthesis, no enrollment, no inference task (counted through `RunningServer.stats()`).
 * Real server, real models, real sockets.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ServerStats } from '../../src/server/index.js';
import { pcmBytes, referencePcm, startTestServer, type TestServer } from '../server/serverFixtures.js';
import { TestClient } from '../server/wsTestClient.js';

/** The bound: everything a vanished client held is freed within this long. */
const FREED_WITHIN_MS = 1000;
const LONG_TEXT = 'This sentence is long enough to keep the vocoder busy for a while. And here is another one after it. And a third.';
const NOTHING: ServerStats = { sessions: 0, utterances: 0, syntheses: 0, enrollments: 0, inferenceRunning: 0 };

const faults = suite<{ ts: TestServer; voice: string }>('client disconnects', { ts: undefined as never, voice: '' });

faults.before(async (ctx) => {
  ctx.ts = await startTestServer({ workers: 2 });
  const c = await TestClient.connect(ctx.ts.server.port);
  c.json({ type: 'start', audio: { sampleRate: 16000 } });
  await c.next('started');
  c.binary(pcmBytes(referencePcm().pcm, 0, 16000 * 4));
  c.json({ type: 'enroll.end' });
  await c.next('ready');
  c.json({ type: 'voice.save' });
  ctx.voice = (await c.next('voice.saved')).voice;
  c.close();
  await c.closed;
});

faults.after(async (ctx) => {
  await ctx.ts.stop();
});

/** Polls stats until they equal NOTHING or FREED_WITHIN_MS has passed since `since`; returns the last. */
async function statsAfterVanish(ts: TestServer, since: number): Promise<ServerStats> {
  for (;;) {
    const stats = ts.server.stats();
    if (JSON.stringify(stats) === JSON.stringify(NOTHING) || performance.now() - since > FREED_WITHIN_MS) return stats;
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

faults('the server keeps serving after the vanished clients', async (ctx) => {
  const c = await withVoice(ctx);
  c.json({ type: 'speak', id: 'after', text: 'Still here.' });
  assert.is((await c.next('done')).outcome, 'completed');
  c.close();
});

faults.run();
