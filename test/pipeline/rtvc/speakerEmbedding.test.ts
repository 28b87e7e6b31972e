import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resample } from '../../../src/pipeline/audio/resampler.js';
import { createOnnxSession } from '../../../src/pipeline/runtime/onnxRuntime.js';
import { EncoderMel } from '../../../src/pipeline/rtvc/encoderMel.js';
import { partialSlices } from '../../../src/pipeline/rtvc/partialSlices.js';
import { embedUtterance } from '../../../src/pipeline/rtvc/speakerEmbedding.js';
import { normalizationGain, normalizeVolume } from '../../../src/pipeline/rtvc/volumeNormalization.js';
import { maxAbsDiff } from '../../helpers/npz.js';
import { rtvcFixture, rtvcGolden, smallRtvcModels } from '../../helpers/rtvcFixtures.js';

const g = rtvcGolden('encoder_golden.npz');
const f32 = (k: string) => g[k].data as Float32Array;
const models = smallRtvcModels();
const manifest = JSON.parse(readFileSync(join(models, 'manifest.json'), 'utf8'));
const mel = new EncoderMel(manifest.features[manifest.encoder.features]);
const config = { ...manifest.encoder, hopLength: mel.spec.hopLength, mel };

test('volume normalisation raises the quiet reference to -30 dBFS (gain as in meta.json)', () => {
  const meta = JSON.parse(readFileSync(rtvcFixture('meta.json'), 'utf8'));
  assert.ok(Math.abs(normalizationGain(f32('wav_16k'), config.normalize) - meta.encoder.normalize_gain) < 1e-5);
  assert.ok(maxAbsDiff(normalizeVolume(f32('wav_16k'), config.normalize), f32('preprocessed_wav')) < 1e-6);
  assert.is(normalizationGain(f32('preprocessed_wav').map((x) => x * 4), config.normalize), 1, 'never lowers the level');
});

test('partial slices: 5 windows of 160 frames, step 80, the short last one dropped', () => {
  const slices = partialSlices(80000, config);
  assert.equal(slices.map((s) => [s.melStart, s.melStop]), Array.from({ length: 5 }, (_, i) => [i * 80, i * 80 + 160]));
  assert.equal(slices.map((s) => [s.wavStart, s.wavStop]).flat(), Array.from(g.partial_wav_slices.data as BigInt64Array, Number));
});

test('the power mel (centred STFT, zero padding) equals RTVC\'s encoder mel', () => {
  const out = mel.frames(f32('mel_input_wav'));
  assert.is(out.frames, 501);
  const ref = f32('mel_frames');
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(out.data[i] - ref[i]) / (Math.abs(ref[i]) + 1e-3));
  assert.ok(worst < 1e-4, `relative mel error ${worst}`);
});

test('partial and utterance embeddings through onnxruntime-node match RTVC within 1e-5', () => {
  const session = createOnnxSession(join(models, manifest.encoder.file.file));
  try {
    const out = embedUtterance(session, config, f32('wav_16k'));
    assert.ok(maxAbsDiff(out.partials, f32('partial_embeds')) < 1e-5, 'partials');
    assert.ok(maxAbsDiff(out.embedding, f32('embed')) < 1e-5, `embedding ${maxAbsDiff(out.embedding, f32('embed'))}`);
    const whole = session.runSync({ mels: { type: 'float32', data: f32('mel_frames'), dims: [1, 501, 40] } });
    assert.ok(maxAbsDiff(whole.embedding.data as Float32Array, f32('embed_whole_utterance')) < 1e-5, 'whole utterance');
    const lin = session.runSync({ mels: { type: 'float32', data: f32('partial_frames'), dims: [5, 160, 40] } });
    assert.ok(maxAbsDiff(lin.linear.data as Float32Array, f32('partial_linear_out')) < 1e-5, 'linear output');
  } finally {
    session.release();
  }
});

test('a 22050 Hz reference resampled by clonecast\'s resampler gets RTVC\'s embedding (resampy kaiser_best) within 1e-5', () => {
  const session = createOnnxSession(join(models, manifest.encoder.file.file));
  try {
    const wav16k = resample(f32('wav_22050'), 22050, 16000);
    assert.is(wav16k.length, 80000);
    assert.ok(maxAbsDiff(embedUtterance(session, config, wav16k).embedding, f32('embed_from_22050')) < 1e-5);
  } finally {
    session.release();
  }
});

test.run();
