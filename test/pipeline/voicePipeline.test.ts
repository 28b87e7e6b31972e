import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { floatToInt16, readWav } from '../../src/pipeline/audio/wav.js';
import { createVoicePipeline, type EmbeddingUpdate, type PipelineStage } from '../../src/pipeline/index.js';

const wav = readWav(readFileSync(new URL('../../../test/fixtures/audio/reference_16k.wav', import.meta.url)));
const reference = Int16Array.from(wav.channels[0], floatToInt16);
const stages: Record<PipelineStage, number> = { embed: 0, synth: 0, vocode: 0 };
const pipeline = createVoicePipeline({ workers: 2, hooks: { onStage: (stage) => stages[stage]++ } });
let voice: Float32Array;

async function collect(iterable: AsyncIterable<Float32Array>): Promise<Float32Array[]> {
  const pieces: Float32Array[] = [];
  for await (const piece of iterable) pieces.push(piece);
  return pieces;
}

const total = (pieces: Float32Array[]) => pieces.reduce((n, p) => n + p.length, 0);

test.before(async () => {
  await pipeline.ready;
});

test.after(async () => {
  await pipeline.close();
});

test('enrollment emits one update per encoder window, in order, as reference pieces arrive', async () => {
  const enrollment = pipeline.createEnrollment(wav.sampleRate);
  const updates: EmbeddingUpdate[] = [];
  for (let at = 0; at < reference.length; at += 1234) updates.push(...(await enrollment.push(reference.subarray(at, at + 1234))));
  assert.ok(updates.length >= 2, `only ${updates.length} windows from 5 s of speech`);
  updates.forEach((u, i) => assert.is(u.windows, i + 1));
  assert.is(updates[0].movedCosine, null);
  assert.ok(updates[1].movedCosine! > 0 && updates[1].movedCosine! <= 1 + 1e-6);
  assert.ok(updates[updates.length - 1].speechSeconds <= wav.channels[0].length / wav.sampleRate);
  voice = enrollment.latest!.embedding;
  assert.is(voice.length, pipeline.embeddingDim);
  assert.ok(Math.abs(Math.hypot(...voice) - 1) < 1e-4);
  assert.ok(stages.embed > 0, 'embed seconds reported');
});

test('an enrollment at 44.1 kHz gives the voice of the same audio at 16 kHz', async () => {
  // The reference upsampled by the pipeline's own resampler path: the embedding should barely move.
  const { resample } = await import('../../src/pipeline/audio/resampler.js');
  const up = resample(wav.channels[0], 16000, 44100);
  const enrollment = pipeline.createEnrollment(44100);
  await enrollment.push(Int16Array.from(up, floatToInt16));
  const other = enrollment.latest!.embedding;
  let dot = 0;
  for (let i = 0; i < other.length; i++) dot += other[i] * voice[i];
  assert.ok(dot > 0.95, `cosine ${dot}`);
});

test('speak yields 16 kHz audio progressively, with timings filled in', async () => {
  const utterance = pipeline.speak({ text: 'The quick brown fox jumps over the lazy dog.', embedding: voice, seed: 7 });
  assert.is(utterance.text, 'the quick brown fox jumps over the lazy dog.');
  const pieces: Float32Array[] = [];
  const finals: boolean[] = [];
  for await (const piece of utterance) {
    pieces.push(piece);
    finals.push(utterance.final);
  }
  assert.ok(pieces.length >= 3, `${pieces.length} pieces: audio should come chunk by chunk`);
  assert.equal(finals, pieces.map((_, i) => i === pieces.length - 1), 'final is set exactly on the last piece');
  const { timings } = utterance;
  const hop = pipeline.manifest.features.synthMel.hopLength;
  assert.ok(timings.melFrames! > 0);
  // Every mel frame becomes `hop` samples once the final chunk flushes the vocoder.
  assert.is(total(pieces), timings.melFrames! * hop);
  assert.ok(Math.abs(timings.audioSeconds - total(pieces) / 16000) < 1e-9);
  assert.ok(timings.firstAudioMs !== null && timings.synthSeconds > 0 && timings.vocodeSeconds > 0);
  for (const p of pieces) for (const v of p) assert.ok(Number.isFinite(v) && Math.abs(v) <= 1.0001);
  assert.ok(stages.synth > 0 && stages.vocode > 0);
});

test('the same seed gives the same audio', async () => {
  const text = 'Hello there.';
  const a = await collect(pipeline.speak({ text, embedding: voice, seed: 3 }));
  const b = await collect(pipeline.speak({ text, embedding: voice, seed: 3 }));
  assert.is(total(a), total(b));
  const flat = (x: Float32Array[]) => Float32Array.from(x.flatMap((p) => [...p]));
  assert.equal(flat(a), flat(b));
});

test('aborting stops the audio within one chunk and ends the iteration quietly', async () => {
  const text = 'This sentence is long enough to need several chunks of audio before it ends, so cancelling it early matters.';
  const full = await collect(pipeline.speak({ text, embedding: voice, seed: 1 }));
  const controller = new AbortController();
  const pieces: Float32Array[] = [];
  for await (const piece of pipeline.speak({ text, embedding: voice, seed: 1, signal: controller.signal })) {
    pieces.push(piece);
    controller.abort();
  }
  assert.is(pieces.length, 1);
  assert.ok(total(pieces) < total(full));
});

test('text with nothing to say is refused with no_speakable_text at speak time', () => {
  assert.throws(() => pipeline.speak({ text: ' ?! ... ', embedding: voice }), (err: { code?: string }) => err.code === 'no_speakable_text');
  assert.throws(() => pipeline.normalizeText('.,;'), (err: { code?: string }) => err.code === 'no_speakable_text');
  assert.is(pipeline.normalizeText('Dr. Smith paid $5.'), pipeline.normalizeText('doctor smith paid five dollars.'));
});

test('a wrong-sized or non-finite embedding is refused with invalid_embedding', () => {
  assert.throws(() => pipeline.speak({ text: 'Hi.', embedding: new Float32Array(3) }), (err: { code?: string }) => err.code === 'invalid_embedding');
  const bad = voice.slice();
  bad[5] = NaN;
  assert.throws(() => pipeline.speak({ text: 'Hi.', embedding: bad }), (err: { code?: string }) => err.code === 'invalid_embedding');
});

test('an unsupported reference rate is refused with unsupported_sample_rate', () => {
  assert.throws(() => pipeline.createEnrollment(4000), (err: { code?: string }) => err.code === 'unsupported_sample_rate');
});

test('calls before the models are loaded are refused with not_ready', async () => {
  const early = createVoicePipeline({ workers: 1 });
  assert.throws(() => early.createEnrollment(16000), (err: { code?: string }) => err.code === 'not_ready');
  assert.is(early.isReady(), false);
  await early.ready;
  assert.is(early.isReady(), true);
  await early.close();
  assert.throws(() => early.speak({ text: 'Hi.', embedding: voice }), (err: { code?: string }) => err.code === 'closed');
});

test.run();
