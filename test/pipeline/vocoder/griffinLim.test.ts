/** Griffin-Lim, the weightless vocoder: works with no vocoder section at all. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeLogMel } from '../../../src/pipeline/audio/logMel.js';
import { createVocoder } from '../../../src/pipeline/vocoder/index.js';
import { MODELS_DIR, readManifest, testMel, vocodeChunked } from './helpers.js';

const { features } = readManifest();
const spec = features.synthMel;
const { mel, frames } = testMel(spec, 0.8);
const voc = await createVocoder(MODELS_DIR, { features }); // no vocoder weights

/** Mean |log-mel(audio) - mel| over frames, with the audio placed where frame 0's hop block starts. */
function melDistance(samples: Float32Array): number {
  const offset = (spec.winLength - spec.hopLength) / 2;
  const audio = new Float32Array(offset + samples.length);
  audio.set(samples, offset);
  const back = computeLogMel(audio, spec);
  let sum = 0, count = 0;
  for (let f = 2; f < back.frames - 2; f++) {
    for (let m = 0; m < spec.nMels; m++, count++) sum += Math.abs(back.data[f * spec.nMels + m] - mel[f * spec.nMels + m]);
  }
  return sum / count;
}

test('is the default engine when there are no vocoder weights', () => {
  assert.is(voc.engine, 'griffin-lim');
});

test('CLONECAST_VOCODER_ENGINE=griffin-lim makes it the default even with vocoder weights', async () => {
  process.env.CLONECAST_VOCODER_ENGINE = 'griffin-lim';
  try {
    const withWeights = await createVocoder(MODELS_DIR, readManifest());
    assert.is(withWeights.engine, 'griffin-lim');
    process.env.CLONECAST_VOCODER_ENGINE = 'wavenet';
    try {
      await createVocoder(MODELS_DIR, readManifest());
      assert.unreachable('should throw');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'vocoder_unavailable');
    }
  } finally {
    delete process.env.CLONECAST_VOCODER_ENGINE;
  }
});

test('gives hop samples per mel frame, one-shot and chunked', () => {
  const whole = vocodeChunked(voc, mel, frames, spec.nMels, [frames], 3).samples;
  const chunked = vocodeChunked(voc, mel, frames, spec.nMels, [7, 4], 3);
  assert.is(whole.length, frames * spec.hopLength);
  assert.is(chunked.samples.length, frames * spec.hopLength);
  assert.is(chunked.firstChunkSamples, (7 - 2) * spec.hopLength);
});

test('reconstructs audio whose mel matches the input mel', () => {
  const whole = vocodeChunked(voc, mel, frames, spec.nMels, [frames], 3).samples;
  const chunked = vocodeChunked(voc, mel, frames, spec.nMels, [7, 4], 3).samples;
  const noise = new Float32Array(whole.length).map((_, i) => 0.05 * Math.sin(i * 12.9898) * Math.sin(i * 0.37));
  const dWhole = melDistance(whole), dChunked = melDistance(chunked), dNoise = melDistance(noise);
  assert.ok(dWhole < 0.5, `one-shot mel distance ${dWhole.toFixed(3)} nats`);
  assert.ok(dChunked < 0.6, `chunked mel distance ${dChunked.toFixed(3)} nats`);
  assert.ok(dNoise > 2 * dWhole, `noise baseline ${dNoise.toFixed(3)} should be far worse`);
});

test('is seeded: same seed, same audio', () => {
  const a = vocodeChunked(voc, mel, frames, spec.nMels, [6], 9).samples;
  const b = vocodeChunked(voc, mel, frames, spec.nMels, [6], 9).samples;
  assert.equal(a, b);
});

test.run();
