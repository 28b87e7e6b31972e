/**
 * Every class of bad input gets its documented error code (or close code), affects only its
 * session, and never takes the process down. Real server, real socket, real models.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CloseCode } from '../../src/server/errors.js';
import { httpGet, pcmBytes, referencePcm, startTestServer, saveReferenceVoice, type TestServer } from './serverFixtures.js';
import { TestClient } from './wsTestClient.js';

const LIMITS = { maxTextChars: 300, maxQueuedUtterances: 2, maxFrameBytes: 256 * 1024, maxReferenceSeconds: 4 };
const errors = suite<{ ts: TestServer; voice: string; clients: TestClient[] }>('session errors', {
  ts: undefined as never,
  voice: '',
  clients: [],
});

errors.before(async (ctx) => {
  ctx.ts = await startTestServer({ limits: LIMITS });
  // One real enrollment, saved, so tests that need a voice can start from its id.
  ctx.voice = await saveReferenceVoice(ctx.ts.server.port);
});

errors.after.each((ctx) => {
  for (const c of ctx.clients) c.close();
  ctx.clients = [];
});

errors.after(async (ctx) => {
  await ctx.ts.stop();
});

async function connect(ctx: { ts: TestServer; clients: TestClient[] }): Promise<TestClient> {
  const c = await TestClient.connect(ctx.ts.server.port);
  ctx.clients.push(c);
  return c;
}

async function withVoice(ctx: { ts: TestServer; voice: string; clients: TestClient[] }): Promise<TestClient> {
  const c = await connect(ctx);
  c.json({ type: 'start', voice: ctx.voice });
  assert.is((await c.next('started')).state, 'ready');
  return c;
}

errors('malformed JSON is malformed_json, and the session goes on', async (ctx) => {
  const c = await connect(ctx);
  c.json('{"type": "start", ');
  assert.is((await c.nextError()).code, 'malformed_json');
  c.json({ type: 'start', audio: { sampleRate: 16000 } });
  assert.is((await c.next('started')).state, 'enrolling');
});

errors('NaN is malformed_json; a number that overflows to Infinity is invalid_field', async (ctx) => {
  const c = await connect(ctx);
  c.json('{"type":"start","audio":{"sampleRate":NaN}}');
  assert.is((await c.nextError()).code, 'malformed_json');
  c.json('{"type":"start","audio":{"sampleRate":1e999}}');
  assert.is((await c.nextError()).code, 'invalid_field');
});

errors('an unknown type is unknown_type', async (ctx) => {
  const c = await connect(ctx);
  c.json({ type: 'sing' });
  assert.is((await c.nextError()).code, 'unknown_type');
});

errors('a missing field is missing_field, a wrong one invalid_field', async (ctx) => {
  const c = await connect(ctx);
  c.json({ type: 'start', audio: {} });
  const missing = await c.nextError();
  assert.is(missing.code, 'missing_field');
  assert.match(missing.message, 'audio.sampleRate');
  c.json({ type: 'start', audio: { sampleRate: 16000 }, output: { channels: 5 } });
  assert.is((await c.nextError()).code, 'invalid_field');
});

errors('audio before start is not_started', async (ctx) => {
  const c = await connect(ctx);
  c.binary(new Uint8Array(320));
  assert.is((await c.nextError()).code, 'not_started');
});

errors('speak before start is not_started, with the id', async (ctx) => {
  const c = await connect(ctx);
  c.json({ type: 'speak', id: 'early', text: 'Hello.' });
  const err = await c.nextError();
  assert.is(err.code, 'not_started');
  assert.is(err.id, 'early');
});

errors('an unsupported input sample rate is unsupported_sample_rate', async (ctx) => {
  const c = await connect(ctx);
  c.json({ type: 'start', audio: { sampleRate: 96000 } });
  assert.is((await c.nextError()).code, 'unsupported_sample_rate');
  c.json({ type: 'start', audio: { sampleRate: 16000 }, output: { format: 'pcm', sampleRate: 44100 } });
  assert.is((await c.nextError()).code, 'unsupported_sample_rate');
});

errors('a reference chunk with an odd byte count is odd_byte_count', async (ctx) => {
  const c = await connect(ctx);
  c.json({ type: 'start', audio: { sampleRate: 16000 } });
  await c.next('started');
  c.binary(new Uint8Array(321));
  assert.is((await c.nextError()).code, 'odd_byte_count');
});

errors('a second start is already_started', async (ctx) => {
  const c = await withVoice(ctx);
  c.json({ type: 'start', audio: { sampleRate: 16000 } });
  assert.is((await c.nextError()).code, 'already_started');
});

errors('audio in a session started from a voice id is unexpected_audio', async (ctx) => {
  const c = await withVoice(ctx);
  c.binary(new Uint8Array(320));
  assert.is((await c.nextError()).code, 'unexpected_audio');
});

errors('reference audio past maxReferenceSeconds is reference_too_long and ends the enrollment', async (ctx) => {
  const c = await connect(ctx);
  const { pcm } = referencePcm();
  c.json({ type: 'start', audio: { sampleRate: 16000 } });
  await c.next('started');
  c.binary(pcmBytes(pcm)); // 5 s > 4 s
  assert.is((await c.nextError()).code, 'reference_too_long');
  const ready = await c.next('ready');
  assert.ok(ready.windows >= 1);
});

errors('a frame larger than maxFrameBytes closes the socket with 1009', async (ctx) => {
  const c = await connect(ctx);
  c.binary(new Uint8Array(LIMITS.maxFrameBytes + 2));
  assert.is(await c.closed, CloseCode.messageTooBig);
});

errors('text with no speakable letters is no_speakable_text', async (ctx) => {
  const c = await withVoice(ctx);
  c.json({ type: 'speak', id: 'q', text: '?! ... !! \u2014' });
  const err = await c.nextError();
  assert.is(err.code, 'no_speakable_text');
  assert.is(err.id, 'q');
});

errors('streamed text that never says anything fails with no_speakable_text and a failed done', async (ctx) => {
  const c = await withVoice(ctx);
  c.json({ type: 'speak', id: 's', text: '... ', final: false });
  await c.next('queued');
  c.json({ type: 'speak', id: 's', text: '!!!', final: true });
  const err = await c.nextError();
  assert.is(err.code, 'no_speakable_text');
  const done = await c.next('done');
  assert.is(done.outcome, 'failed');
  assert.is(done.code, 'no_speakable_text');
});

errors('speak before any embedding exists is no_voice', async (ctx) => {
  const c = await connect(ctx);
  c.json({ type: 'start', audio: { sampleRate: 16000 } });
  await c.next('started');
  c.json({ type: 'speak', id: 'v', text: 'Hello there.' });
  assert.is((await c.nextError()).code, 'no_voice');
  c.json({ type: 'voice.save' });
  assert.is((await c.nextError()).code, 'no_voice');
  c.json({ type: 'enroll.end' });
  assert.is((await c.nextError()).code, 'no_voice');
});

errors('an unknown or malformed voice id is unknown_voice', async (ctx) => {
  const c = await connect(ctx);
  c.json({ type: 'start', voice: 'AAAAAAAAAAAAAAAAAAAAA' });
  assert.is((await c.nextError()).code, 'unknown_voice');
  c.json({ type: 'start', voice: '../../etc/passwd' });
  assert.is((await c.nextError()).code, 'unknown_voice');
});

errors('cancel of an unknown id is unknown_utterance', async (ctx) => {
  const c = await withVoice(ctx);
  c.json({ type: 'cancel', id: 'nope' });
  const err = await c.nextError();
  assert.is(err.code, 'unknown_utterance');
  assert.is(err.id, 'nope');
});

errors('text past maxTextChars is text_too_long, also when streamed in pieces', async (ctx) => {
  const c = await withVoice(ctx);
  c.json({ type: 'speak', id: 'long', text: 'a'.repeat(LIMITS.maxTextChars + 1) });
  assert.is((await c.nextError()).code, 'text_too_long');
  c.json({ type: 'speak', id: 'pieces', text: 'Hello ', final: false });
  await c.next('queued');
  c.json({ type: 'speak', id: 'pieces', text: 'b'.repeat(LIMITS.maxTextChars), final: false });
  const err = await c.nextError();
  assert.is(err.code, 'text_too_long');
  assert.is(err.id, 'pieces');
  c.json({ type: 'cancel', id: 'pieces' });
  assert.is((await c.next('done')).outcome, 'cancelled');
});

errors('more unfinished utterances than maxQueuedUtterances is queue_full', async (ctx) => {
  const c = await withVoice(ctx);
  // Open (non-final) utterances stay unfinished until their text ends, so the queue cannot drain.
  c.json({ type: 'speak', id: 'a', text: 'One', final: false });
  c.json({ type: 'speak', id: 'b', text: 'Two', final: false });
  c.json({ type: 'speak', id: 'c', text: 'Three.' });
  const err = await c.nextError();
  assert.is(err.code, 'queue_full');
  assert.is(err.id, 'c');
});

errors('more text for an utterance whose text is final is duplicate_id', async (ctx) => {
  const c = await withVoice(ctx);
  c.json({ type: 'speak', id: 'a', text: 'Wait', final: false }); // holds the queue head open
  c.json({ type: 'speak', id: 'b', text: 'Second.' });
  c.json({ type: 'speak', id: 'b', text: 'Again.' });
  const err = await c.nextError();
  assert.is(err.code, 'duplicate_id');
  assert.is(err.id, 'b');
});

errors('a text frame that is not valid UTF-8 closes the socket with 1007', async (ctx) => {
  const c = await connect(ctx);
  c.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
  assert.is(await c.closed, CloseCode.invalidPayload);
});

errors('bad input that closes one session leaves a concurrent utterance of another intact', async (ctx) => {
  const good = await withVoice(ctx);
  const bad = await connect(ctx);
  good.json({ type: 'speak', id: 'ok', text: 'Hello there. How are you today?' });
  const queued = await good.next('queued');
  bad.json('{{{');
  bad.binary(new Uint8Array(LIMITS.maxFrameBytes + 2));
  assert.is(await bad.closed, CloseCode.messageTooBig);
  const done = await good.next('done');
  assert.is(done.outcome, 'completed');
  assert.is(done.frames, good.frames(queued.utterance).length);
  assert.ok(done.frames > 0);
});

errors('an upgrade on another path is refused with 404', async (ctx) => {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${ctx.ts.server.port}/v2/other`);
  const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  assert.is(status, 404);
});

errors('after all that bad input the process still serves, and counts errors by code', async (ctx) => {
  assert.is((await httpGet(ctx.ts.server.port, '/healthz')).status, 200);
  const metrics = (await httpGet(ctx.ts.server.port, '/metrics')).body;
  assert.match(metrics, /clonecast_errors_total\{code="malformed_json"\} [1-9]/);
  assert.match(metrics, /clonecast_errors_total\{code="no_voice"\} [1-9]/);
});

errors.run();

const idle = suite('idle timeout');

idle('a session without client messages is closed with 4000', async () => {
  const ts = await startTestServer({ limits: { idleTimeoutMs: 200 } });
  try {
    const c = await TestClient.connect(ts.server.port);
    assert.is(await c.closed, CloseCode.idleTimeout);
  } finally {
    await ts.stop();
  }
});

idle.run();

const admission = suite('admission');

admission('when inference stays saturated past the bound, speaks fail with busy and a failed done', async () => {
  // One worker and a 1 ms admission bound: concurrent utterances cannot all get a worker in time.
  const ts = await startTestServer({ workers: 1, maxQueueWaitMs: 1 });
  const clients: TestClient[] = [];
  try {
    const enroll = await TestClient.connect(ts.server.port);
    clients.push(enroll);
    enroll.json({ type: 'start', audio: { sampleRate: 16000 } });
    await enroll.next('started');
    enroll.binary(pcmBytes(referencePcm().pcm));
    enroll.json({ type: 'enroll.end' });
    await enroll.next('ready');
    enroll.json({ type: 'voice.save' });
    const voice = (await enroll.next('voice.saved')).voice;
    for (let i = 0; i < 4; i++) {
      const c = await TestClient.connect(ts.server.port);
      clients.push(c);
      c.json({ type: 'start', voice });
      await c.next('started');
    }
    const speakers = clients.slice(1);
    for (const c of speakers) c.json({ type: 'speak', id: 'b', text: 'Hello there, how are you?' });
    const dones = await Promise.all(speakers.map((c) => c.next('done')));
    const busy = dones.filter((d) => d.outcome === 'failed');
    assert.ok(busy.length >= 1, 'at least one utterance was refused');
    for (const d of busy) assert.is(d.code, 'busy');
    for (const c of speakers) {
      for (const e of c.all('error')) {
        assert.is(e.code, 'busy');
        assert.is(e.id, 'b');
      }
    }
    assert.is((await httpGet(ts.server.port, '/healthz')).status, 200);
    assert.match((await httpGet(ts.server.port, '/metrics')).body, /clonecast_errors_total\{code="busy"\} [1-9]/);
  } finally {
    for (const c of clients) c.close();
    await ts.stop();
  }
});

admission.run();

const serverLevel = suite('server level');

serverLevel('beyond maxSessions an upgrade is refused with 503', async () => {
  const ts = await startTestServer({ limits: { maxSessions: 1 } });
  try {
    const first = await TestClient.connect(ts.server.port);
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(`ws://127.0.0.1:${ts.server.port}/v1/stream`);
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    assert.is(status, 503);
    first.close();
  } finally {
    await ts.stop();
  }
});

serverLevel('a server whose models fail to load stays up: healthz 200, readyz 503', async () => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { startServer } = await import('../../src/server/index.js');
  const empty = await mkdtemp(join(tmpdir(), 'clonecast-nomodels-'));
  const logged: string[] = [];
  const server = await startServer({ port: 0, host: '127.0.0.1', modelsDir: empty, dataDir: empty, log: (m) => logged.push(m) });
  try {
    await server.ready.catch(() => undefined);
    assert.is((await httpGet(server.port, '/healthz')).status, 200);
    const ready = await httpGet(server.port, '/readyz');
    assert.is(ready.status, 503);
    assert.equal(JSON.parse(ready.body), { status: 'failed' });
    assert.ok(logged.some((m) => m.includes('pipeline failed to start')));
  } finally {
    await server.close();
    await rm(empty, { recursive: true, force: true });
  }
});

serverLevel.run();
