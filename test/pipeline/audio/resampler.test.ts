import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createResampler, resample, SampleRateError } from '../../../src/pipeline/audio/resampler.js';
import { maxAbsDiff, seededRandom } from '../../helpers/dspFixtures.js';

function sine(freq: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  const x = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < x.length; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

/** Amplitude of the `freq` component of x (least squares on sin/cos over the middle half). */
function toneAmplitude(x: Float32Array, freq: number, rate: number): number {
  const from = Math.floor(x.length / 4), to = Math.floor((3 * x.length) / 4);
  let s = 0, c = 0;
  for (let i = from; i < to; i++) {
    s += x[i] * Math.sin((2 * Math.PI * freq * i) / rate);
    c += x[i] * Math.cos((2 * Math.PI * freq * i) / rate);
  }
  return (2 * Math.hypot(s, c)) / (to - from);
}

/** RMS of what is left after removing the `freq` component (distortion, aliasing, wrong frequency). */
function residualRms(x: Float32Array, freq: number, rate: number): number {
  const from = Math.floor(x.length / 4), to = Math.floor((3 * x.length) / 4);
  let s = 0, c = 0;
  for (let i = from; i < to; i++) {
    s += x[i] * Math.sin((2 * Math.PI * freq * i) / rate);
    c += x[i] * Math.cos((2 * Math.PI * freq * i) / rate);
  }
  s = (2 * s) / (to - from); c = (2 * c) / (to - from);
  let e = 0;
  for (let i = from; i < to; i++) {
    const r = x[i] - s * Math.sin((2 * Math.PI * freq * i) / rate) - c * Math.cos((2 * Math.PI * freq * i) / rate);
    e += r * r;
  }
  return Math.sqrt(e / (to - from));
}

const pairs: Array<[number, number]> = [[8000, 16000], [11025, 16000], [22050, 16000], [44100, 16000], [48000, 16000], [16000, 24000], [16000, 48000], [32000, 16000], [47999, 16000], [16000, 44100]];

for (const [from, to] of pairs) {
  test(`${from} -> ${to} Hz keeps a 1 kHz tone's frequency and amplitude`, () => {
    const y = resample(sine(1000, from, 0.5), from, to);
    assert.is(y.length, Math.ceil((Math.round(from * 0.5) * to) / from));
    const amp = toneAmplitude(y, 1000, to);
    assert.ok(Math.abs(amp - 0.5) < 0.005, `amplitude ${amp}`);
    assert.ok(residualRms(y, 1000, to) < 1e-3, `residual ${residualRms(y, 1000, to)}`);
  });
}

test('48 kHz -> 16 kHz removes a 12 kHz tone (above the output Nyquist) instead of aliasing it', () => {
  const y = resample(sine(12000, 48000, 0.5), 48000, 16000);
  const aliased = toneAmplitude(y, 4000, 16000);
  assert.ok(aliased < 0.5e-3, `alias amplitude ${aliased}`); // < -60 dB re 0.5
});

test('48 kHz -> 16 kHz keeps a 7.2 kHz tone: the top of the 8 kHz band survives for the encoder', () => {
  const y = resample(sine(7200, 48000, 0.5), 48000, 16000);
  const amp = toneAmplitude(y, 7200, 16000);
  assert.ok(Math.abs(amp - 0.5) < 0.01, `amplitude ${amp}`);
});

test('pushing pieces of random size gives exactly the whole-signal output', () => {
  const random = seededRandom(9);
  const x = new Float32Array(30000).map(() => random() * 2 - 1);
  for (const [from, to] of [[44100, 16000], [16000, 48000], [11025, 16000], [47999, 16000]] as const) {
    const whole = resample(x, from, to);
    const r = createResampler(from, to);
    const parts: number[] = [];
    for (let at = 0; at < x.length; ) {
      const size = Math.floor(random() * 700); // includes empty pushes
      parts.push(...r.push(x.subarray(at, at + size)));
      at += size;
    }
    parts.push(...r.flush());
    assert.is(parts.length, whole.length);
    assert.is(maxAbsDiff(parts, whole), 0, `${from}->${to}`);
  }
});

test('equal rates pass samples through unchanged', () => {
  const x = sine(440, 16000, 0.1);
  assert.equal(Array.from(resample(x, 16000, 16000)), Array.from(x));
});

test('rates outside 8000..48000 or not integers are rejected with a coded error', () => {
  for (const bad of [7999, 48001, 16000.5, NaN]) {
    try {
      createResampler(bad, 16000);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, SampleRateError);
      assert.is((err as SampleRateError).code, 'unsupported_sample_rate');
    }
  }
});

test.run();
