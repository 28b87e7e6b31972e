import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeLogMel, createLogMelExtractor } from '../../../src/pipeline/audio/logMel.js';
import { denseFilterbank, melFilterbank } from '../../../src/pipeline/audio/melFilterbank.js';
import { FeatureSpecError, validateFeatureSpec } from '../../../src/pipeline/audio/featureSpec.js';
import { loadDspFixtures, maxAbsDiff, seededRandom } from '../../helpers/dspFixtures.js';

const fx = loadDspFixtures();
const signal = fx.array('signal').data;

for (const name of ['encoderMel', 'synthMel'] as const) {
  const spec = fx.specs[name];
  const prefix = name === 'encoderMel' ? 'encoder' : 'synth';

  test(`${name}: Slaney filterbank matches features.py to 1e-6`, () => {
    const expected = fx.array(`${prefix}Filterbank`);
    const dense = denseFilterbank(melFilterbank(spec));
    assert.equal([spec.nMels, spec.nFft / 2 + 1], expected.shape);
    assert.ok(maxAbsDiff(dense, expected.data) < 1e-6, `max diff ${maxAbsDiff(dense, expected.data)}`);
  });

  test(`${name}: whole-signal log-mel matches features.py to 1e-4`, () => {
    const expected = fx.array(name);
    const mel = computeLogMel(signal, spec);
    assert.equal([mel.frames, mel.channels], expected.shape);
    const diff = maxAbsDiff(mel.data, expected.data);
    assert.ok(diff < 1e-4, `max diff ${diff}`);
  });

  test(`${name}: pushing random-size pieces gives exactly the whole-signal frames`, () => {
    const whole = computeLogMel(signal, spec);
    const random = seededRandom(42);
    for (const maxPiece of [1, 37, 401, 20000]) {
      const extractor = createLogMelExtractor(spec);
      const parts: Float32Array[] = [];
      let frames = 0;
      for (let at = 0; at < signal.length; ) {
        const size = 1 + Math.floor(random() * maxPiece);
        const out = extractor.push(signal.subarray(at, at + size));
        parts.push(out.data);
        frames += out.frames;
        at += size;
      }
      assert.is(frames, whole.frames);
      assert.is(extractor.framesEmitted, whole.frames);
      const joined = new Float32Array(frames * spec.nMels);
      let offset = 0;
      for (const p of parts) { joined.set(p, offset); offset += p.length; }
      assert.is(maxAbsDiff(joined, whole.data), 0, `pieces up to ${maxPiece}`);
    }
  });
}

test('frame RMS dB matches features.py frame_rms_db to 1e-3 dB', () => {
  const expected = fx.array('encoderFrameRmsDb').data;
  const mel = computeLogMel(signal, fx.specs.encoderMel);
  assert.ok(maxAbsDiff(mel.rmsDb, expected) < 1e-3, `max diff ${maxAbsDiff(mel.rmsDb, expected)}`);
});

test('a signal shorter than one window has no frames; reset starts a new signal', () => {
  const spec = fx.specs.synthMel;
  const extractor = createLogMelExtractor(spec);
  assert.is(extractor.push(signal.subarray(0, spec.winLength - 1)).frames, 0);
  extractor.reset();
  const again = extractor.push(signal);
  assert.is(maxAbsDiff(again.data, computeLogMel(signal, spec).data), 0);
});

test('an invalid FeatureSpec is rejected naming every bad field', () => {
  const bad = { ...fx.specs.synthMel, nFft: 0, window: 'hamming', power: 3 };
  try {
    validateFeatureSpec(bad);
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, FeatureSpecError);
    const e = err as FeatureSpecError;
    assert.is(e.code, 'invalid_feature_spec');
    assert.is(e.problems.length, 3);
    assert.match(e.message, /nFft/);
    assert.match(e.message, /window/);
    assert.match(e.message, /power/);
  }
  assert.throws(() => createLogMelExtractor({ ...fx.specs.synthMel, hopLength: 900 }), /hopLength/);
});

test.run();
