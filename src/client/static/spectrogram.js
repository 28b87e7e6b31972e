// Log-mel spectrogram pictures (64 bands up to 8 kHz, 25 ms windows every 10 ms) drawn on a canvas.
const BANDS = 64;

function fft(re, im) {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const c = Math.cos(angle * k), s = Math.sin(angle * k);
        const a = i + k, b = a + len / 2;
        const tr = re[b] * c - im[b] * s, ti = re[b] * s + im[b] * c;
        re[b] = re[a] - tr; im[b] = im[a] - ti;
        re[a] += tr; im[a] += ti;
      }
    }
  }
}

const mel = (hz) => 2595 * Math.log10(1 + hz / 700);
const hz = (m) => 700 * (10 ** (m / 2595) - 1);

/** Triangular filters: for each band, [firstBin, weights]. */
function melFilters(fftSize, rate) {
  const top = Math.min(8000, rate / 2);
  const edges = Array.from({ length: BANDS + 2 }, (_, i) => (hz((mel(top) * i) / (BANDS + 1)) * fftSize) / rate);
  return Array.from({ length: BANDS }, (_, b) => {
    const [lo, mid, hi] = [edges[b], edges[b + 1], edges[b + 2]];
    const first = Math.floor(lo), weights = [];
    for (let k = first; k <= Math.ceil(hi); k++) weights.push(Math.max(0, Math.min((k - lo) / (mid - lo), (hi - k) / (hi - mid))));
    return [first, weights];
  });
}

/** Draws `samples` (mono Float32Array at `rate` Hz) as a log-mel spectrogram filling `canvas`. */
export function drawMelSpectrogram(canvas, samples, rate) {
  const win = Math.round(rate * 0.025), hop = Math.round(rate * 0.01);
  let fftSize = 1;
  while (fftSize < win) fftSize <<= 1;
  const filters = melFilters(fftSize, rate);
  const frames = Math.max(0, Math.floor((samples.length - win) / hop) + 1);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#111';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (frames === 0) return;
  const values = new Float32Array(frames * BANDS);
  const re = new Float32Array(fftSize), im = new Float32Array(fftSize);
  let max = -Infinity;
  for (let f = 0; f < frames; f++) {
    re.fill(0); im.fill(0);
    for (let i = 0; i < win; i++) re[i] = samples[f * hop + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / win));
    fft(re, im);
    filters.forEach(([first, weights], b) => {
      let e = 1e-10;
      weights.forEach((w, j) => (e += w * (re[first + j] ** 2 + im[first + j] ** 2)));
      const v = Math.log10(e);
      values[f * BANDS + b] = v;
      if (v > max) max = v;
    });
  }
  const image = ctx.createImageData(canvas.width, canvas.height);
  for (let x = 0; x < canvas.width; x++) {
    const f = Math.floor((x * frames) / canvas.width);
    for (let y = 0; y < canvas.height; y++) {
      const b = BANDS - 1 - Math.floor((y * BANDS) / canvas.height);
      const t = Math.max(0, Math.min(1, (values[f * BANDS + b] - (max - 8)) / 8)); // 80 dB range
      const at = (y * canvas.width + x) * 4;
      image.data[at] = 255 * Math.min(1, t * 1.8);
      image.data[at + 1] = 255 * Math.max(0, t * 1.6 - 0.6);
      image.data[at + 2] = 255 * Math.max(0, 0.5 - Math.abs(t - 0.35)) * 1.5;
      image.data[at + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
}
