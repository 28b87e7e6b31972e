import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeLogMel } from '../../../src/pipeline/audio/logMel.js';
import { selectSpeechFrames } from '../../../src/pipeline/encoder/vad.js';
import { loadDspFixtures } from '../../helpers/dspFixtures.js';

const fx = loadDspFixtures();
const spec = fx.specs.encoderMel;
const mel = computeLogMel(fx.array('signal').data, spec);

test('keeps exactly the frames whose raw RMS (from features.py) reaches the threshold, in order', () => {
  const pythonRms = fx.array('encoderFrameRmsDb').data;
  const threshold = -45;
  const expected = [...pythonRms.keys()].filter((i) => pythonRms[i] >= threshold);
  assert.ok(expected.length > 0 && expected.length < mel.frames, 'the fixture has speech and a quiet stretch');
  const speech = selectSpeechFrames(mel, threshold);
  assert.is(speech.frames, expected.length);
  expected.forEach((frame, row) => {
    const want = mel.data.subarray(frame * spec.nMels, (frame + 1) * spec.nMels);
    assert.equal(Array.from(speech.data.subarray(row * spec.nMels, (row + 1) * spec.nMels)), Array.from(want));
  });
});

test('a threshold above every frame keeps none; one below every frame keeps all', () => {
  assert.is(selectSpeechFrames(mel, 10).frames, 0);
  assert.is(selectSpeechFrames(mel, -300).frames, mel.frames);
});

test.run();
