import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resample } from '../../src/pipeline/audio/resampler.js';
import { readWav, writeWav } from '../../src/pipeline/audio/wav.js';
import { OpusPacketDecoder } from '../../src/pipeline/output/opusCodec.js';
import { CloneCastClient } from '../../src/client/cloneCastClient.js';
import { CloneCastError } from '../../src/client/errors.js';
import type { AudioFrame } from '../../src/server/protocol.js';
import { startServer, type RunningServer } from '../../src/server/index.js';

const REFERENCE = fileURLToPath(new URL('../../../test/fixtures/audio/reference_16k.wav', import.meta.url));

const dataDir = mkdtempSync(join(tmpdir(), 'clonecast-sdk-'));
let server: RunningServer;
let url: string;
let savedVoice: string;

test.before(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir, workers: 2 });
  await server.ready;
  url = `ws://127.0.0.1:${server.port}`;
});

test.after(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function frames(iterable: AsyncIterable<AudioFrame>): Promise<AudioFrame[]> {
  const out: AudioFrame[] = [];
  for await (const f of iterable) out.push(f);
  return out;
}

test('enrolls from a WAV, speaks, and receives decodable 20 ms Opus frames in order', async () => {
  const client = await CloneCastClient.connect(url);
  try {
    const events: number[] = [];
    const ready = await client.enrollWav(REFERENCE, { onEmbedding: (e) => events.push(e.windows) });
    assert.ok(ready.windows >= 2, `${ready.windows} windows`);
    assert.equal(events, Array.from({ length: ready.windows }, (_, i) => i + 1));
    const speech = client.speak('Hello there, this is a cloned voice.');
    const received = await frames(speech);
    const done = await speech.done;
    assert.is(done.outcome, 'completed');
    assert.is(received.length, done.frames);
    received.forEach((f, i) => {
      assert.is(f.sequence, i);
      assert.is(f.format, 'opus');
      assert.is(f.last, i === received.length - 1);
    });
    const decoder = new OpusPacketDecoder(1);
    for (const f of received) assert.is(decoder.decode(f.payload).length, 960);
    assert.ok(Math.abs(done.audioSeconds - received.length * 0.02) < 0.021);
    assert.ok(speech.firstFrameAt !== null && speech.firstFrameAt >= speech.sentAt);
    savedVoice = await client.saveVoice('sdk test');
    assert.match(savedVoice, /^[A-Za-z0-9_-]{21}$/);
  } finally {
    await client.close();
  }
});

test('a saved voice is used by a later session; PCM output frames are 20 ms at the asked rate', async () => {
  const client = await CloneCastClient.connect(url, { output: { format: 'pcm', sampleRate: 24000 } });
  try {
    const started = await client.useVoice(savedVoice);
    assert.is(started.state, 'ready');
    const received = await frames(client.speak('Good morning.'));
    assert.ok(received.length > 0);
    for (const f of received) {
      assert.is(f.format, 'pcm');
      assert.is(f.payload.length, (24000 / 50) * 2);
    }
  } finally {
    await client.close();
  }
});

test('streamed text: a speak kept open and appended to plays as one utterance', async () => {
  const client = await CloneCastClient.connect(url);
  try {
    await client.useVoice(savedVoice);
    const speech = client.speak('Hello there.', { final: false });
    const queued = await speech.queued;
    speech.append(' How are you today?', { final: true });
    const received = await frames(speech);
    const done = await speech.done;
    assert.is(done.outcome, 'completed');
    assert.is(done.utterance, queued.utterance);
    assert.is(received.length, done.frames);
    assert.ok(received.every((f) => f.utterance === queued.utterance));
    assert.ok(received[received.length - 1].last);
  } finally {
    await client.close();
  }
});

test('a stereo 44.1 kHz reference is mixed down and enrolled at its own rate', async () => {
  const mono = readWav(readFileSync(REFERENCE)).channels[0];
  const up = resample(mono, 16000, 44100);
  const client = await CloneCastClient.connect(url);
  try {
    const ready = await client.enrollWav(writeWav({ sampleRate: 44100, channels: [up, up] }));
    assert.is(client.session?.input?.sampleRate, 44100);
    assert.ok(ready.windows >= 2, `${ready.windows} windows`);
  } finally {
    await client.close();
  }
});

test('cancel ends an utterance early with outcome cancelled', async () => {
  const client = await CloneCastClient.connect(url);
  try {
    await client.useVoice(savedVoice);
    const text = 'This is a long sentence that goes on and on, so that there is plenty of audio left to cancel after the first frame arrives.';
    const full = await frames(client.speak(text));
    const speech = client.speak(text);
    const received: AudioFrame[] = [];
    for await (const f of speech) {
      if (received.push(f) === 1) speech.cancel();
    }
    const done = await speech.done;
    assert.is(done.outcome, 'cancelled');
    assert.ok(received.length < full.length, `${received.length} of ${full.length} frames`);
  } finally {
    await client.close();
  }
});

test('server errors reach the caller with their codes', async () => {
  const client = await CloneCastClient.connect(url);
  try {
    await client.useVoice(savedVoice).then(() => undefined);
    const refused = client.speak('?!');
    await refused.queued.then(() => assert.unreachable('queued'), (err) => {
      assert.instance(err, CloneCastError);
      assert.is(err.code, 'no_speakable_text');
      assert.is(err.id, refused.id);
    });
    await frames(refused).then(() => assert.unreachable('iterated'), (err) => assert.is(err.code, 'no_speakable_text'));
  } finally {
    await client.close();
  }
  const other = await CloneCastClient.connect(url);
  try {
    await other.useVoice('unknownvoiceid12345678').then(() => assert.unreachable('started'), (err) => assert.is(err.code, 'unknown_voice'));
  } finally {
    await other.close();
  }
});

test('iterating a speak that the server refuses ends with its error instead of waiting forever', async () => {
  const client = await CloneCastClient.connect(url);
  try {
    await client.useVoice(savedVoice);
    const refused = client.speak('?! ... !!'); // iteration starts before the refusal arrives
    await frames(refused).then(() => assert.unreachable('iterated'), (err) => assert.is(err.code, 'no_speakable_text'));
    await refused.done.then(() => assert.unreachable('done'), (err) => assert.is(err.code, 'no_speakable_text'));
  } finally {
    await client.close();
  }
});

test.run();
