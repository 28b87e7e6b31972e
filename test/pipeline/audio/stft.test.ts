import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Deemphasis, Preemphasis } from '../../../src/pipeline/audio/preemphasis.js';
import { Stft } from '../../../src/pipeline/audio/stft.js';
import { loadDspFixtures, maxAbsDiff } from '../../helpers/dspFixtures.js';

const fx = loadDspFixtures();
const signal = fx.array('signal').data;

for (const name of ['encoderMel', 'synthMel'] as const) {
  test(`${name} framing: inverse(forward(x)) reconstructs x away from the first samples`, () => {
    const spec = fx.specs[name];
    const stft = new Stft(spec);
    const y = stft.inverse(stft.forward(signal));
    assert.is(y.length, (Math.floor((signal.length - spec.winLength) / spec.hopLength)) * spec.hopLength + spec.winLength);
    // The periodic Hann is 0 at n = 0, so sample 0 alone is unrecoverable.
    const diff = maxAbsDiff(y.subarray(1), signal.subarray(1, y.length));
    assert.ok(diff < 1e-9, `max diff ${diff}`);
  });
}

test('the STFT magnitude of a 1 kHz tone peaks in bin 1000 * nFft / rate', () => {
  const spec = fx.specs.synthMel;
  const x = new Float64Array(4000).map((_, i) => Math.sin((2 * Math.PI * 1000 * i) / 16000));
  const s = new Stft(spec).forward(x);
  let best = 0;
  for (let k = 0; k < s.bins; k++) if (Math.hypot(s.re[k], s.im[k]) > Math.hypot(s.re[best], s.im[best])) best = k;
  assert.is(best, 50);
});

test('de-emphasis undoes pre-emphasis across pieces', () => {
  const pre = new Preemphasis(0.97), de = new Deemphasis(0.97);
  const out = new Float64Array(signal.length);
  for (let at = 0; at < signal.length; at += 333) {
    const piece = signal.subarray(at, at + 333);
    const tmp = new Float64Array(piece.length);
    pre.process(piece, tmp);
    de.process(tmp, tmp);
    out.set(tmp, at);
  }
  assert.ok(maxAbsDiff(out, signal) < 1e-6);
});

test.run();
