import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ComplexFft, RealFft } from '../../../src/pipeline/audio/fft.js';

/** O(n^2) reference DFT of a real signal. */
function naiveDft(x: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = x.length;
  const re = new Float64Array(n), im = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * ((j * k) % n)) / n;
      re[k] += x[j] * Math.cos(a);
      im[k] += x[j] * Math.sin(a);
    }
  }
  return { re, im };
}

function seededSignal(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 32 - 0.5;
  }
  return x;
}

// powers of two (radix-2), small-factor lengths (mixed radix: 6, 24, 98, 400, 800, 1000) and lengths with
// a large prime factor (Bluestein: 26 -> 13, 1023 = 3*11*31)
for (const n of [1, 2, 3, 6, 8, 15, 24, 26, 98, 400, 512, 800, 1000, 1023]) {
  test(`RealFft(${n}).forward matches the naive DFT`, () => {
    const x = seededSignal(n, n);
    const ref = naiveDft(x);
    const fft = new RealFft(n);
    const re = new Float64Array(fft.bins), im = new Float64Array(fft.bins);
    fft.forward(x, re, im);
    for (let k = 0; k < fft.bins; k++) {
      assert.ok(Math.abs(re[k] - ref.re[k]) < 1e-9 * n, `re[${k}] ${re[k]} vs ${ref.re[k]}`);
      assert.ok(Math.abs(im[k] - ref.im[k]) < 1e-9 * n, `im[${k}] ${im[k]} vs ${ref.im[k]}`);
    }
  });

  test(`RealFft(${n}).inverse undoes forward`, () => {
    const x = seededSignal(n, 7 * n);
    const fft = new RealFft(n);
    const re = new Float64Array(fft.bins), im = new Float64Array(fft.bins);
    fft.forward(x, re, im);
    const y = new Float64Array(n);
    fft.inverse(re, im, y);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(y[i] - x[i]) < 1e-12 * n, `sample ${i}: ${y[i]} vs ${x[i]}`);
  });
}

test('RealFft zero-pads input shorter than n', () => {
  const x = seededSignal(400, 3);
  const padded = new Float64Array(512);
  padded.set(x);
  const fft = new RealFft(512);
  const a = [new Float64Array(257), new Float64Array(257)];
  const b = [new Float64Array(257), new Float64Array(257)];
  fft.forward(x, a[0], a[1]);
  fft.forward(padded, b[0], b[1]);
  assert.equal(Array.from(a[0]), Array.from(b[0]));
  assert.equal(Array.from(a[1]), Array.from(b[1]));
});

for (const n of [49, 100, 97]) {
  test(`ComplexFft(${n}) of a pure tone puts all energy in one bin`, () => {
    const fft = new ComplexFft(n);
    const re = new Float64Array(n), im = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      re[j] = Math.cos((2 * Math.PI * 7 * j) / n);
      im[j] = Math.sin((2 * Math.PI * 7 * j) / n);
    }
    fft.forward(re, im);
    for (let k = 0; k < n; k++) {
      const mag = Math.hypot(re[k], im[k]);
      assert.ok(Math.abs(mag - (k === 7 ? n : 0)) < 1e-9, `bin ${k}: ${mag}`);
    }
  });
}

test('FFT lengths that are not positive integers are rejected', () => {
  assert.throws(() => new RealFft(0), /positive integer/);
  assert.throws(() => new ComplexFft(2.5), /positive integer/);
});

test.run();
