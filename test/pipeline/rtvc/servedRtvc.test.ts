/**
 * End to end over a real WebSocket with the imported small RTVC checkpoints: `clonecast serve
 * --models DIR` detects the rtvc families, enrolls with RTVC's encoder (the voice equals RTVC's
 * embedding of the reference) and streams Tacotron + WaveRNN audio; the served PCM is exactly what
 * the same seed gives in-process, and the seed fixes the audio.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { floatToInt16, int16ToFloat } from '../../../src/pipeline/audio/wav.js';
import { embedUtterance } from '../../../src/pipeline/rtvc/speakerEmbedding.js';
import { openRtvcSessions, readRtvcManifest } from '../../../src/pipeline/rtvc/rtvcModels.js';
import { TEST_HOOKS_ENV } from '../../../src/pipeline/runtime/testHooks.js';
import { RtvcUtterance } from '../../../src/pipeline/rtvc/rtvcUtterance.js';
import { textToSequence } from '../../../src/pipeline/rtvc/textToSequence.js';
import { utteranceRandomness } from '../../../src/pipeline/rtvc/utteranceRandomness.js';
import type { AudioFrame } from '../../../src/server/protocol.js';
import { maxAbsDiff } from '../../helpers/npz.js';
import { rtvcGolden, smallRtvcModels } from '../../helpers/rtvcFixtures.js';
import { httpGet, startTestServer, type TestServer } from '../../server/serverFixtures.js';
import { TestClient } from '../../server/wsTestClient.js';

/** Random weights never fire the stop token: bound the decoder at 24 steps (48 frames, 0.6 s) for the test. */
const TEST_MAX_FRAMES = 48;
const root = mkdtempSync(join(tmpdir(), 'clonecast-served-rtvc-'));
const modelsDir = join(root, 'models');
cpSync(smallRtvcModels(), modelsDir, { recursive: true });
const manifestPath = join(modelsDir, 'manifest.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
manifest.synthesizer.maxFrames = TEST_MAX_FRAMES;
writeFileSync(manifestPath, JSON.stringify(manifest));

const g = rtvcGolden('encoder_golden.npz');
const wav = g.wav_16k.data as Float32Array;
let ts: TestServer;
let voice: Float32Array;

test.before(async () => {
  ts = await startTestServer({ modelsDir });
});
test.after(async () => {
  await ts.stop();
  rmSync(root, { recursive: true, force: true });
});

async function speak(c: TestClient, id: string, text: string, seed: number): Promise<{ done: Record<string, any>; frames: AudioFrame[] }> {
  c.json({ type: 'speak', id, text, seed });
  const queued = await c.next('queued');
  const done = await c.next('done');
  return { done, frames: c.frames(queued.utterance) };
}

const pcmOf = (frames: AudioFrame[]) => Int16Array.from(frames.flatMap((f) => Array.from(new Int16Array(f.payload.slice().buffer))));

test('enrollment with RTVC\'s encoder gives RTVC\'s embedding of the reference', async () => {
  const c = await TestClient.connect(ts.server.port);
  try {
    c.json({ type: 'start', audio: { sampleRate: 16000 }, output: { format: 'pcm', sampleRate: 16000 } });
    assert.is((await c.next('started')).state, 'enrolling');
    c.binary(new Uint8Array(Int16Array.from(wav, floatToInt16).buffer));
    const e = await c.next('embedding');
    assert.is(e.windows, 5);
    voice = Float32Array.from(e.embedding as number[]);
    assert.ok(maxAbsDiff(voice, g.embed.data as Float32Array) < 1e-4, `embedding off by ${maxAbsDiff(voice, g.embed.data as Float32Array)}`);
    c.json({ type: 'enroll.end' });
    await c.next('ready');

    const a = await speak(c, 'u1', 'Hello there, how are you?', 42);
    assert.is(a.done.outcome, 'completed');
    assert.ok(a.frames.length > 10 && a.frames[a.frames.length - 1].last);
    const b = await speak(c, 'u2', 'Hello there, how are you?', 42);
    assert.equal(Array.from(pcmOf(b.frames)), Array.from(pcmOf(a.frames)), 'same seed, same audio');
    const other = await speak(c, 'u3', 'Hello there, how are you?', 43);
    assert.not.equal(Array.from(pcmOf(other.frames)), Array.from(pcmOf(a.frames)));

    // the served PCM is the in-process RtvcUtterance's output for the same seed and voice
    const m = readRtvcManifest(modelsDir);
    const sessions = openRtvcSessions(m);
    try {
      const u = new RtvcUtterance(sessions, m, { ids: textToSequence('Hello there, how are you?', m.symbols).ids, speaker: voice, ...utteranceRandomness(42, m.prenetDropout) });
      const pieces: number[] = [];
      while (!u.done) pieces.push(...u.next().samples);
      assert.ok(pieces.length > 0 && pieces.length <= (TEST_MAX_FRAMES - 1) * 200);
      const served = pcmOf(a.frames);
      assert.ok(served.length >= pieces.length && served.length < pieces.length + 320, `${served.length} served for ${pieces.length}`);
      assert.equal(Array.from(served.subarray(0, pieces.length)), pieces.map(floatToInt16));
      assert.is(a.done.audioSeconds, served.length / 16000);
    } finally {
      sessions.release();
    }
    // each stage's seconds reach /metrics
    const metrics = (await httpGet(ts.server.port, '/metrics')).body;
    for (const stage of ['embed', 'synth', 'vocode']) {
      const count = new RegExp(`clonecast_stage_seconds_count\\{stage="${stage}"\\} (\\d+)`).exec(metrics);
      assert.ok(count && Number(count[1]) > 0, `stage ${stage} observed`);
    }
  } finally {
    c.close();
  }
});

test('the fast vocoder (int8 loop, growing folds) streams over the socket: same seed same audio, equal to the one-thread result', async () => {
  const fastDir = join(root, 'fast');
  cpSync(modelsDir, fastDir, { recursive: true });
  const folds = { first: 1600, growth: 0.05, max: 2400, overlap: 400, maxRows: 16 };
  // forced length (the stop token of random weights is noise) so that several folds are needed
  const fast = { ...manifest, synthesizer: { ...manifest.synthesizer, maxFrames: 60, stopProbability: 2, trimThreshold: -100 },
    vocoder: { ...manifest.vocoder, servedLoop: 'int8', streamFolds: folds } };
  writeFileSync(join(fastDir, 'manifest.json'), JSON.stringify(fast));
  const server = await startTestServer({ modelsDir: fastDir });
  const c = await TestClient.connect(server.server.port);
  try {
    c.json({ type: 'start', audio: { sampleRate: 16000 }, output: { format: 'pcm', sampleRate: 16000 } });
    await c.next('started');
    c.binary(new Uint8Array(Int16Array.from(wav, floatToInt16).buffer));
    await c.next('embedding');
    const a = await speak(c, 'f1', 'Hello there, how are you?', 7);
    assert.is(a.done.outcome, 'completed');
    const served = pcmOf(a.frames);
    assert.equal(Array.from(pcmOf((await speak(c, 'f2', 'Hello there, how are you?', 7)).frames)), Array.from(served));
    const m = readRtvcManifest(fastDir);
    assert.is(m.servedLoop, 'int8');
    const sessions = openRtvcSessions(m);
    try {
      // the server's voice at full precision (the wire rounds it, and int8 quantisation is not smooth)
      const v = embedUtterance(sessions.encoder, m.embedder, int16ToFloat(Int16Array.from(wav, floatToInt16))).embedding;
      const u = new RtvcUtterance(sessions, m, { ids: textToSequence('Hello there, how are you?', m.symbols).ids, speaker: v, ...utteranceRandomness(7, m.prenetDropout) });
      const pieces: number[] = [];
      while (!u.done) pieces.push(...u.next().samples);
      assert.is(pieces.length, 59 * 200);
      assert.equal(Array.from(served.subarray(0, pieces.length)), pieces.map(floatToInt16));
    } finally {
      sessions.release();
    }
  } finally {
    c.close();
    await server.stop();
  }
});

test('a vocoder worker that dies fails only its utterance; the pipeline replaces it and the next one completes', async () => {
  // Read when the pipeline starts its workers. Other test files of this process set it at import
  // time (uvu imports every file before running any), so put back what was there.
  const before = process.env[TEST_HOOKS_ENV];
  process.env[TEST_HOOKS_ENV] = '1';
  const server = await startTestServer({ modelsDir });
  if (before === undefined) delete process.env[TEST_HOOKS_ENV];
  else process.env[TEST_HOOKS_ENV] = before;
  const c = await TestClient.connect(server.server.port);
  try {
    c.json({ type: 'start', audio: { sampleRate: 16000 }, output: { format: 'pcm', sampleRate: 16000 } });
    await c.next('started');
    c.binary(new Uint8Array(Int16Array.from(wav, floatToInt16).buffer));
    await c.next('embedding');
    for (const fault of ['exit', 'crash'] as const) {
      await server.server.runTestHook({ kind: 'test-arm-fault', task: 'vocode', fault });
      c.json({ type: 'speak', id: `dies-${fault}`, text: 'Hello there, how are you?', seed: 3 });
      await c.next('queued');
      const failed = await c.next('done');
      assert.is(failed.outcome, 'failed', fault);
      const after = await speak(c, `after-${fault}`, 'Hello there, how are you?', 3);
      assert.is(after.done.outcome, 'completed', `after ${fault}`);
      assert.ok(after.frames.length > 0);
    }
  } finally {
    c.close();
    await server.stop();
  }
});

test('cancel stops an RTVC utterance mid-way: done is cancelled and synthesis is freed', async () => {
  // RTVC's own cap (2000 frames = 25 s): the random weights never stop, so this utterance is long
  const longDir = join(root, 'long');
  cpSync(modelsDir, longDir, { recursive: true });
  writeFileSync(join(longDir, 'manifest.json'), JSON.stringify({ ...manifest, synthesizer: { ...manifest.synthesizer, maxFrames: 2000 } }));
  const server = await startTestServer({ modelsDir: longDir });
  const c = await TestClient.connect(server.server.port);
  try {
    c.json({ type: 'start', audio: { sampleRate: 16000 }, output: { format: 'pcm', sampleRate: 16000 } });
    await c.next('started');
    c.binary(new Uint8Array(Int16Array.from(wav, floatToInt16).buffer));
    await c.next('embedding');
    c.json({ type: 'speak', id: 'long', text: 'Hello there, how are you?', seed: 1 });
    const { utterance } = await c.next('queued');
    await c.until(() => c.frames(utterance).length > 0);
    c.json({ type: 'cancel', id: 'long' });
    const done = await c.next('done');
    assert.is(done.outcome, 'cancelled');
    assert.ok(done.frames < 1250 / 4, `${done.frames} frames of a 25 s utterance`);
    assert.is(server.server.stats().syntheses, 0, "the utterance's synthesis has ended");
  } finally {
    c.close();
    await server.stop();
  }
});

test.run();
