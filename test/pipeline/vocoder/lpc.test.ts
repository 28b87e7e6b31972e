/**
 * Linear prediction from the mel (src/pipeline/vocoder/lpc.ts): the coefficients of a resonance's
 * log-mel predict its pre-emphasised samples and put the envelope's peak at the resonance. (That
 * lpc.ts equals the training code's MelLpc is in parity.test.ts.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeLogMel } from '../../../src/pipeline/audio/logMel.js';
import { MelLpc, type LpcSpec } from '../../../src/pipeline/vocoder/lpc.js';
import { readManifest } from './helpers.js';

const manifest = readManifest();
const spec = manifest.features.synthMel;
const lpcSpec = manifest.vocoder!.lpc as LpcSpec;
const lpc = new MelLpc(spec, lpcSpec);
const order = lpcSpec.order;

/** Half a second of a two-pole resonance at `hz` driven by white noise. */
function resonance(hz: number): Float64Array {
  const x = new Float64Array(spec.sampleRate / 2);
  const r = 0.98, c = 2 * r * Math.cos((2 * Math.PI * hz) / spec.sampleRate);
  let seed = 1;
  for (let i = 2; i < x.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    x[i] = c * x[i - 1] - r * r * x[i - 2] + 0.01 * (seed / 2 ** 32 - 0.5);
  }
  return x;
}

/** |1 / A(e^jw)| of A(z) = 1 + sum_k a[k] z^-(k+1). */
function envelope(a: Float64Array, hz: number): number {
  const w = (2 * Math.PI * hz) / spec.sampleRate;
  let re = 1, im = 0;
  for (let k = 0; k < a.length; k++) {
    re += a[k] * Math.cos(w * (k + 1));
    im -= a[k] * Math.sin(w * (k + 1));
  }
  return 1 / Math.hypot(re, im);
}

for (const hz of [500, 1000, 2500]) {
  test(`a ${hz} Hz resonance: the frame's coefficients predict its samples and peak at ${hz} Hz`, () => {
    const x = resonance(hz);
    const mel = computeLogMel(x, spec);
    const frame = 20;
    const a = new Float64Array(order);
    lpc.coefficients(mel.data, frame * spec.nMels, a);
    // The vocoder predicts pre-emphasised samples (the mel is of pre-emphasised audio); frame i's
    // hop block starts (winLength - hopLength) / 2 samples into its window.
    const y = new Float64Array(x.length);
    for (let i = 1; i < x.length; i++) y[i] = x[i] - spec.preemphasis * x[i - 1];
    const from = frame * spec.hopLength + (spec.winLength - spec.hopLength) / 2;
    let signal = 0, residual = 0;
    for (let t = from; t < from + spec.hopLength; t++) {
      let p = 0;
      for (let k = 0; k < order; k++) p -= a[k] * y[t - 1 - k];
      signal += y[t] ** 2;
      residual += (y[t] - p) ** 2;
    }
    assert.ok(residual < 0.25 * signal, `residual energy ${(residual / signal).toFixed(3)} of the signal's`);
    let peakHz = 0;
    for (let f = 0; f < spec.sampleRate / 2; f += 10) if (envelope(a, f) > envelope(a, peakHz)) peakHz = f;
    assert.ok(Math.abs(peakHz - hz) <= 0.1 * hz, `envelope peak at ${peakHz} Hz`);
  });
}

test('a flat band spectrum predicts next to nothing', () => {
  // Equal log-mel in every band: a nearly white spectrum once spread back over the bins.
  const a = new Float64Array(order);
  lpc.coefficients(new Float32Array(spec.nMels).fill(-3), 0, a);
  assert.ok(a.every((v) => Math.abs(v) < 0.01), `coefficients ${Array.from(a, (v) => v.toFixed(4))}`);
});

test('a log-mel too large for exp gives no prediction rather than NaN', () => {
  const a = new Float32Array(order).fill(7);
  lpc.coefficients(new Float32Array(spec.nMels).fill(1000), 0, a);
  assert.equal(Array.from(a), new Array(order).fill(0));
});

test('rows() is coefficients() row by row', () => {
  const mel = computeLogMel(resonance(1000), spec);
  const rows = lpc.rows(mel.data, 3);
  const one = new Float64Array(order);
  lpc.coefficients(mel.data, 2 * spec.nMels, one);
  assert.equal(Array.from(rows.subarray(2 * order)), Array.from(one));
});

test.run();
