/**
 * The player's slow-reader policy with the real pipeline: a socket whose send buffer never drains
 * is closed with 4001 after `slowReaderTimeoutMs`, and synthesis stops instead of buffering.
 * (Over loopback the kernel absorbs megabytes before `bufferedAmount` rises, so the socket here is
 * a plain object whose buffer level the test controls.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CloseCode } from '../../src/server/errors.js';
import { createServerMetrics } from '../../src/server/metrics.js';
import { createPipelineEngine } from '../../src/server/pipelineEngine.js';
import { playUtterance, type PlayerContext } from '../../src/server/player.js';
import { decodeAudioFrame } from '../../src/server/protocol.js';
import type { SpeechEngine } from '../../src/server/speechEngine.js';
import { Utterance } from '../../src/server/utterance.js';
import { referencePcm } from './serverFixtures.js';

const player = suite<{ engine: SpeechEngine; embedding: Float32Array }>('player', { engine: undefined as never, embedding: new Float32Array() });

player.before(async (ctx) => {
  ctx.engine = createPipelineEngine({ workers: 1, metrics: createServerMetrics() });
  await ctx.engine.ready;
  const enrollment = ctx.engine.createEnrollment(16000);
  const updates = await enrollment.push(referencePcm().pcm);
  ctx.embedding = updates[updates.length - 1].embedding;
});
player.after(async (ctx) => {
  await ctx.engine.close();
});

function harness(ctx: { engine: SpeechEngine; embedding: Float32Array }, socket: { bufferedAmount: number; readyState: number }) {
  const sent: Uint8Array[] = [];
  const closes: number[] = [];
  const metrics = createServerMetrics();
  const context: PlayerContext = {
    engine: ctx.engine,
    output: { format: 'opus', sampleRate: 48000, channels: 1 },
    socket,
    maxBufferedBytes: 1000,
    slowReaderTimeoutMs: 100,
    metrics,
    embedding: () => ctx.embedding,
    sendBinary: (bytes) => sent.push(bytes),
    close: (code) => {
      closes.push(code);
      socket.readyState = 3;
    },
  };
  return { context, sent, closes, metrics };
}

function utterance(ctx: { engine: SpeechEngine }, text: string): Utterance {
  const u = new Utterance('u', 0, ctx.engine.createSentenceSplitter(), 2000);
  u.append(text, true);
  return u;
}

player('a reader that keeps up gets every frame, the last one flagged', async (ctx) => {
  const { context, sent, closes } = harness(ctx, { bufferedAmount: 0, readyState: 1 });
  const result = await playUtterance(context, utterance(ctx, 'Hello there.'));
  assert.is(result.outcome, 'completed');
  assert.is(result.frames, sent.length);
  assert.equal(closes, []);
  assert.ok(decodeAudioFrame(sent[sent.length - 1]).last);
});

player('a reader whose buffer stays full is closed with 4001 and synthesis stops', async (ctx) => {
  const socket = { bufferedAmount: 0, readyState: 1 };
  const { context, sent, closes, metrics } = harness(ctx, socket);
  const text = 'This is a long utterance. It has several sentences. Each one takes a while to say.';
  const full = await playUtterance(harness(ctx, { bufferedAmount: 0, readyState: 1 }).context, utterance(ctx, text));
  const originalSend = context.sendBinary;
  const stalled: PlayerContext = {
    ...context,
    sendBinary: (bytes) => {
      originalSend(bytes);
      socket.bufferedAmount = 1_000_000; // the reader stopped reading after the first frame
    },
  };
  const result = await playUtterance(stalled, utterance(ctx, text));
  assert.equal(closes, [CloseCode.slowReader]);
  assert.is(result.outcome, 'cancelled');
  assert.is(sent.length, 1);
  assert.ok(full.frames > 1);
  assert.match(await metrics.registry.metrics(), /clonecast_errors_total\{code="close_4001"\} 1/);
});

player('a reader that catches up below half the mark goes on to the end', async (ctx) => {
  const socket = { bufferedAmount: 0, readyState: 1 };
  const { context, sent, closes } = harness(ctx, socket);
  let n = 0;
  const bursty: PlayerContext = {
    ...context,
    sendBinary: (bytes) => {
      sent.push(bytes);
      if (++n % 5 === 0) {
        socket.bufferedAmount = 5000; // above the mark for a moment, then drained
        setTimeout(() => (socket.bufferedAmount = 400), 20);
      }
    },
  };
  const result = await playUtterance(bursty, utterance(ctx, 'Hello there.'));
  assert.is(result.outcome, 'completed');
  assert.is(result.frames, sent.length);
  assert.equal(closes, []);
});

player.run();
