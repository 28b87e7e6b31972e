/**
 * End to end over a real socket with the real pipeline (models/), real Opus: HTTP routes,
 * enrollment from recorded speech, speaking, cancelling, queueing, streamed text, two sessions,
 * saved voices across a restart.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import opus from '@discordjs/opus';
import { loadManifest } from '../../src/pipeline/index.js';
import { DEFAULT_MAX_VOCODE_FRAMES } from '../../src/pipeline/voicePipeline.js';
import { FRAME_MS, type AudioFrame } from '../../src/server/protocol.js';
import { httpGet, pcmBytes, referencePcm, startTestServer, type TestServer } from './serverFixtures.js';
import { TestClient } from './wsTestClient.js';

interface Ctx {
  ts: TestServer;
  voice: string;
  clients: TestClient[];
  /** The saved voice's embedding as `voice.saved` sent it. */
  vector: number[];
  /** Frames of a completed "Hello there." with the saved voice (frame count is deterministic). */
  helloFrames: number;
}
const stream = suite<Ctx>('stream', { ts: undefined as never, voice: '', vector: [], clients: [], helloFrames: 0 });

stream.before(async (ctx) => {
  ctx.ts = await startTestServer();
});
stream.after.each((ctx) => {
  for (const c of ctx.clients) c.close();
  ctx.clients = [];
});
stream.after(async (ctx) => {
  await ctx.ts.stop();
});

async function connect(ctx: Ctx): Promise<TestClient> {
  const c = await TestClient.connect(ctx.ts.server.port);
  ctx.clients.push(c);
  return c;
}

async function withVoice(ctx: Ctx, output?: object): Promise<TestClient> {
  const c = await connect(ctx);
  c.json({ type: 'start', voice: ctx.voice, ...(output ? { output } : {}) });
  const started = await c.next('started');
  assert.is(started.state, 'ready');
  assert.equal(started.embedding, ctx.vector, 'start {voice} sends back the saved vector');
  return c;
}

/** A 256-d embedding vector of unit L2 norm (the wire rounds values to 6 decimals). */
function assertUnitVector(v: unknown, what: string): asserts v is number[] {
  assert.ok(Array.isArray(v) && v.length === 256, `${what}: a 256-d vector`);
  assert.ok(v.every((x) => typeof x === 'number' && Number.isFinite(x)), `${what}: finite numbers`);
  const norm = Math.hypot(...v);
  assert.ok(Math.abs(norm - 1) < 1e-4, `${what}: norm ${norm}`);
}

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0) / (Math.hypot(...a) * Math.hypot(...b));

/** Speaks `text` as one utterance and waits for its done; returns the done and its frames. */
async function speak(c: TestClient, id: string, text: string): Promise<{ done: Record<string, any>; frames: AudioFrame[] }> {
  c.json({ type: 'speak', id, text });
  const queued = await c.next('queued');
  assert.is(queued.id, id);
  const done = await c.next('done');
  assert.is(done.id, id);
  return { done, frames: c.frames(queued.utterance) };
}

/** Decodes Opus frames (real libopus) to interleaved 48 kHz int16 and checks each is 20 ms. */
function decodeOpus(frames: AudioFrame[], channels: 1 | 2): Int16Array[] {
  const decoder = new opus.OpusEncoder(48000, channels);
  return frames.map((f) => {
    assert.is(f.format, 'opus');
    const pcm = decoder.decode(Buffer.from(f.payload));
    assert.is(pcm.length, 960 * channels * 2, 'a 20 ms packet decodes to 960 samples per channel');
    return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2);
  });
}

function rms(chunks: Int16Array[]): number {
  let sum = 0;
  let n = 0;
  for (const c of chunks) for (const v of c) (sum += v * v), n++;
  return Math.sqrt(sum / Math.max(1, n)) / 32768;
}

/** Frames form one utterance: sequence 0..n-1 in order, only the last one flagged last. */
function assertWellFormed(frames: AudioFrame[], completed: boolean): void {
  frames.forEach((f, i) => {
    assert.is(f.sequence, i);
    assert.is(f.last, completed && i === frames.length - 1);
  });
}

stream('GET /, /healthz, /readyz and /metrics answer; other paths are 404', async (ctx) => {
  const port = ctx.ts.server.port;
  const page = await httpGet(port, '/');
  assert.is(page.status, 200);
  assert.match(page.type ?? '', 'text/html');
  assert.match(page.body, '/v1/stream');
  assert.equal(JSON.parse((await httpGet(port, '/healthz')).body), { status: 'ok' });
  const ready = await httpGet(port, '/readyz');
  assert.is(ready.status, 200);
  assert.equal(JSON.parse(ready.body), { status: 'ready' });
  const metrics = (await httpGet(port, '/metrics')).body;
  for (const name of [
    'clonecast_time_to_first_audio_seconds',
    'clonecast_real_time_factor',
    'clonecast_stage_seconds',
    'clonecast_queue_wait_seconds',
    'clonecast_active_sessions',
    'clonecast_utterances_total',
    'clonecast_frames_sent_total',
    'clonecast_errors_total',
    'clonecast_process_cpu_seconds_total',
  ]) {
    assert.match(metrics, `# TYPE ${name} `);
  }
  assert.is((await httpGet(port, '/nope')).status, 404);
});

stream('reference speech streamed in chunks yields embedding events, then ready and a saved voice', async (ctx) => {
  const c = await connect(ctx);
  const { pcm, sampleRate } = referencePcm();
  c.json({ type: 'start', audio: { sampleRate } });
  const started = await c.next('started');
  assert.is(started.state, 'enrolling');
  assert.equal(started.output, { format: 'opus', sampleRate: 48000, channels: 1, frameMs: 20 });
  assert.is(started.embedding, null, 'no vector before the first window');
  for (let at = 0; at < pcm.length; at += 1234) c.binary(pcmBytes(pcm, at, Math.min(pcm.length, at + 1234))); // odd sizes of chunks
  c.json({ type: 'enroll.end' });
  const ready = await c.next('ready');
  const updates = c.all('embedding');
  assert.ok(updates.length >= 2, `5 s of speech should complete at least 2 windows, got ${updates.length}`);
  assert.is(ready.windows, updates.length);
  updates.forEach((u, i) => {
    assert.is(u.windows, i + 1);
    assertUnitVector(u.embedding, `embedding event ${i + 1}`);
    if (i === 0) assert.is(u.movedCosine, null);
    else {
      assert.ok(u.movedCosine > -1.0001 && u.movedCosine < 1.0001);
      assert.ok(u.speechSeconds > updates[i - 1].speechSeconds);
      // movedCosine is the cosine between this vector and the previous one, as the vectors show.
      assert.ok(Math.abs(cosine(u.embedding, updates[i - 1].embedding) - u.movedCosine) < 1e-4);
    }
  });
  assert.ok(ready.speechSeconds >= 1.6 && ready.speechSeconds <= 5);
  assertUnitVector(ready.embedding, 'ready');
  assert.equal(ready.embedding, updates[updates.length - 1].embedding, 'ready carries the last estimate');
  c.json({ type: 'voice.save', name: 'speaker 1363' });
  const saved = await c.next('voice.saved');
  assert.match(saved.voice, /^[A-Za-z0-9_-]{21}$/);
  assert.is(saved.name, 'speaker 1363');
  assert.equal(saved.embedding, ready.embedding, 'the saved vector is the session voice');
  ctx.voice = saved.voice;
  ctx.vector = saved.embedding;
});

stream('reference speech at 8 kHz (telephone rate) enrolls as well', async (ctx) => {
  const c = await connect(ctx);
  const { pcm, sampleRate } = referencePcm(8000);
  assert.is(sampleRate, 8000);
  c.json({ type: 'start', audio: { sampleRate } });
  await c.next('started');
  c.binary(pcmBytes(pcm));
  c.json({ type: 'enroll.end' });
  const ready = await c.next('ready');
  assert.ok(ready.windows >= 2, `got ${ready.windows} windows`);
  assert.ok(ready.speechSeconds >= 1.6 && ready.speechSeconds <= 5);
});

stream('speak streams 20 ms Opus frames that decode to audio whose length fits the text, then done', async (ctx) => {
  const c = await withVoice(ctx);
  const text = 'Hello there.';
  const { done, frames } = await speak(c, 'hello', text);
  assert.is(done.outcome, 'completed');
  assert.ok(frames.length > 0);
  assertWellFormed(frames, true);
  assert.is(done.frames, frames.length);
  assert.is(done.audioSeconds, frames.length * 0.02);
  // 12 characters of text: somewhere between a rushed 0.2 s and a drawn-out 6 s of audio.
  assert.ok(done.audioSeconds > 0.2 && done.audioSeconds < 6, `audio of ${done.audioSeconds} s for "${text}"`);
  const pcm = decodeOpus(frames, 1);
  assert.ok(rms(pcm) > 1e-3, 'the audio is not silence');
  assert.ok(done.ttfaMs >= 0);
  assert.ok(done.rtf > 0);
  assert.ok(done.stages.synth > 0 && done.stages.vocode > 0 && done.stages.encode > 0);
  ctx.helloFrames = frames.length;
});

stream('stereo Opus (Discord) decodes to 960 samples on each of 2 channels', async (ctx) => {
  const c = await withVoice(ctx, { format: 'opus', channels: 2 });
  const { done, frames } = await speak(c, 'st', 'Hello there.');
  assert.is(done.outcome, 'completed');
  assert.is(frames.length, ctx.helloFrames);
  const pcm = decodeOpus(frames, 2);
  assert.ok(rms(pcm) > 1e-3);
});

stream('pcm output at 24 kHz sends 20 ms frames of 480 samples', async (ctx) => {
  const c = await withVoice(ctx, { format: 'pcm', sampleRate: 24000 });
  const { done, frames } = await speak(c, 'pcm', 'Hello there.');
  assert.is(done.outcome, 'completed');
  assertWellFormed(frames, true);
  for (const f of frames) {
    assert.is(f.format, 'pcm');
    assert.is(f.payload.length, 480 * 2);
  }
  assert.is(frames.length, ctx.helloFrames);
});

stream('cancel stops an utterance mid-way: done is cancelled and no frame of it follows', async (ctx) => {
  const c = await withVoice(ctx);
  const text = 'This sentence is long enough to take a while. And here is another one, to be sure. And a third.';
  c.json({ type: 'speak', id: 'long', text });
  const { utterance } = await c.next('queued');
  await c.until(() => c.frames(utterance).length > 0);
  c.json({ type: 'cancel', id: 'long' });
  const done = await c.next('done');
  assert.is(done.outcome, 'cancelled');
  const cut = c.frames(utterance);
  assert.is(done.frames, cut.length);
  assertWellFormed(cut, false);
  // Then a full utterance: no frame of the cancelled one arrives after its done.
  const { done: after } = await speak(c, 'after', 'Hello there.');
  assert.is(after.outcome, 'completed');
  assert.is(c.frames(utterance).length, cut.length);
  const full = await speak(c, 'full', text);
  assert.ok(cut.length < full.frames.length, `cancelled at ${cut.length} of ${full.frames.length} frames`);
});

stream('after cancel, at most one vocoder chunk of frames follows those already in flight, and done says cancelled', async (ctx) => {
  // One vocoder chunk (the server's pipeline uses the default slice) in 20 ms frames, plus the
  // encoder's partial frame that the chunk's samples may complete.
  const manifest = await loadManifest();
  const mel = manifest.features[manifest.synthesizer.features];
  const chunkMs = (DEFAULT_MAX_VOCODE_FRAMES * mel.hopLength * 1000) / mel.sampleRate;
  const oneChunk = Math.ceil(chunkMs / FRAME_MS) + 1;
  const c = await withVoice(ctx);
  c.json({ type: 'speak', id: 'barge', text: 'This sentence is long enough to take a while. And here is another one, to be sure. And a third.' });
  const { utterance } = await c.next('queued');
  await c.until(() => c.frames(utterance).length > 0);
  const atCancel = c.frames(utterance).length;
  c.json({ type: 'cancel', id: 'barge' });
  // The session handles messages in order and answers on the same ordered socket: frames before the
  // probe's reply were already sent (in flight) when the cancel took effect; the rest came after it.
  c.json({ type: 'cancel', id: 'probe' });
  const isProbe = (r: (typeof c.received)[number]) => r.kind === 'json' && r.msg.type === 'error' && r.msg.id === 'probe';
  await c.until(() => c.received.some(isProbe) && c.all('done').some((d) => d.id === 'barge'));
  const probeAt = c.received.findIndex(isProbe);
  assert.is((c.received[probeAt] as { msg: Record<string, unknown> }).msg.code, 'unknown_utterance');
  const framesBefore = (end: number) => c.received.slice(0, end).filter((r) => r.kind === 'audio' && r.frame.utterance === utterance).length;
  const inFlight = framesBefore(probeAt) - atCancel;
  const total = c.frames(utterance).length;
  const afterCancelTookEffect = total - framesBefore(probeAt);
  assert.ok(afterCancelTookEffect <= oneChunk, `${afterCancelTookEffect} frames after the cancel took effect (bound ${oneChunk})`);
  assert.ok(total - atCancel <= inFlight + oneChunk, `${total - atCancel} frames after cancel: ${inFlight} in flight + at most ${oneChunk}`);
  const done = c.all('done').find((d) => d.id === 'barge')!;
  assert.is(done.outcome, 'cancelled');
  assert.is(done.frames, total);
});

stream('closing the socket mid-utterance cancels its work and frees the session', async (ctx) => {
  const { metrics } = ctx.ts.server;
  const count = async (metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> }, label?: string) =>
    (await metric.get()).values.filter((v) => label === undefined || v.labels.outcome === label).reduce((a, v) => a + v.value, 0);
  const cancelledBefore = await count(metrics.utterances, 'cancelled');
  const c = await withVoice(ctx);
  const sessionsWith = await count(metrics.activeSessions);
  c.json({ type: 'speak', id: 'bye', text: 'This sentence is long enough to take a while. And another one after it.' });
  const { utterance } = await c.next('queued');
  await c.until(() => c.frames(utterance).length > 0);
  c.close();
  await c.closed;
  for (let i = 0; i < 600 && (await count(metrics.utterances, 'cancelled')) === cancelledBefore; i++) await new Promise((r) => setTimeout(r, 50));
  assert.is(await count(metrics.utterances, 'cancelled'), cancelledBefore + 1);
  assert.is(await count(metrics.activeSessions), sessionsWith - 1);
});

stream('utterances play in queue order', async (ctx) => {
  const c = await withVoice(ctx);
  c.json({ type: 'speak', id: 'one', text: 'First one.' });
  c.json({ type: 'speak', id: 'two', text: 'Second one.' });
  const q1 = await c.next('queued');
  const q2 = await c.next('queued');
  assert.is(q1.position, 0);
  assert.is(q2.position, 1);
  const d1 = await c.next('done');
  const d2 = await c.next('done');
  assert.equal([d1.id, d2.id], ['one', 'two']);
  const order = c.received.flatMap((r) => (r.kind === 'audio' ? [r.frame.utterance] : []));
  const lastOfFirst = order.lastIndexOf(q1.utterance);
  const firstOfSecond = order.indexOf(q2.utterance);
  assert.ok(lastOfFirst >= 0 && firstOfSecond > lastOfFirst);
  assert.ok(d2.queueMs >= 0);
});

stream('streamed text pieces become one utterance spoken sentence by sentence', async (ctx) => {
  const c = await withVoice(ctx);
  for (const piece of ['Hello', ' there', '. How', ' are you', ' today?']) c.json({ type: 'speak', id: 'llm', text: piece, final: false });
  const queued = await c.next('queued');
  c.json({ type: 'speak', id: 'llm', text: '', final: true });
  const done = await c.next('done');
  assert.is(done.outcome, 'completed');
  assert.is(c.all('queued').length, 1);
  const frames = c.frames(queued.utterance);
  assertWellFormed(frames, true);
  assert.is(done.frames, frames.length);
  assert.ok(frames.length > ctx.helloFrames, 'two sentences say more than the first alone');
});

stream('a streamed utterance starts speaking its first sentence before its text is final', async (ctx) => {
  const c = await withVoice(ctx);
  c.json({ type: 'speak', id: 'early', text: 'Hello there. And then', final: false });
  const { utterance } = await c.next('queued');
  await c.until(() => c.frames(utterance).length > 0); // hangs (and fails) if audio waited for final
  assert.is(c.all('done').length, 0);
  c.json({ type: 'speak', id: 'early', text: ' some more.', final: true });
  const done = await c.next('done');
  assert.is(done.outcome, 'completed');
  assertWellFormed(c.frames(utterance), true);
});

stream('two sessions speak at once and both complete', async (ctx) => {
  const [a, b] = await Promise.all([withVoice(ctx), withVoice(ctx, { format: 'opus', channels: 2 })]);
  const [ra, rb] = await Promise.all([speak(a, 'a', 'Hello there.'), speak(b, 'b', 'Hello there.')]);
  assert.is(ra.done.outcome, 'completed');
  assert.is(rb.done.outcome, 'completed');
  assert.is(ra.frames.length, ctx.helloFrames);
  assert.is(rb.frames.length, ctx.helloFrames);
  decodeOpus(ra.frames, 1);
  decodeOpus(rb.frames, 2);
});

stream('metrics count what was served', async (ctx) => {
  const metrics = (await httpGet(ctx.ts.server.port, '/metrics')).body;
  assert.match(metrics, /clonecast_utterances_total\{outcome="completed"\} [1-9]/);
  assert.match(metrics, /clonecast_utterances_total\{outcome="cancelled"\} [1-9]/);
  assert.match(metrics, /clonecast_frames_sent_total\{format="opus"\} [1-9]/);
  assert.match(metrics, /clonecast_frames_sent_total\{format="pcm"\} [1-9]/);
  assert.match(metrics, /clonecast_time_to_first_audio_seconds_count\{format="opus"\} [1-9]/);
  assert.match(metrics, /clonecast_stage_seconds_count\{stage="embed"\} [1-9]/);
  assert.match(metrics, /clonecast_stage_seconds_count\{stage="vocode"\} [1-9]/);
  assert.match(metrics, /clonecast_stage_seconds_count\{stage="synth"\} [1-9]/);
  assert.match(metrics, /clonecast_stage_seconds_count\{stage="encode"\} [1-9]/);
  assert.match(metrics, /clonecast_queue_wait_seconds_count\{[^}]*\} [1-9]/);
  assert.match(metrics, /clonecast_real_time_factor_count [1-9]/);
  assert.match(metrics, /clonecast_active_sessions [0-9]+/);
  assert.match(metrics, /clonecast_process_resident_memory_bytes [1-9]/);
});

stream('shutting down closes open sessions with 1001; a saved voice survives the restart', async (ctx) => {
  const open = await connect(ctx);
  await ctx.ts.stop(true);
  assert.is(await open.closed, 1001);
  ctx.ts = await startTestServer({ dataDir: ctx.ts.dataDir });
  const c = await withVoice(ctx); // asserts the reloaded voice's vector equals the one voice.saved sent
  c.json({ type: 'enroll.end' });
  assert.equal((await c.next('ready')).embedding, ctx.vector, 'ready of a loaded voice carries the same vector');
  const { done, frames } = await speak(c, 'again', 'Hello there.');
  assert.is(done.outcome, 'completed');
  assert.is(frames.length, ctx.helloFrames, 'the stored embedding speaks exactly like the enrolled one');
});

stream.run();
