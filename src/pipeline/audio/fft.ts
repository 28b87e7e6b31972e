/**
 * Discrete Fourier transforms of any length, in float64, with every table precomputed at
 * construction so that a transform allocates nothing.
 *
 * Powers of two use an iterative radix-2 transform; lengths whose prime factors are all small
 * (<= 7, e.g. 400 = 4*4*5*5) use a mixed-radix Cooley-Tukey transform (kissfft's layout); any
 * other length uses Bluestein's chirp-z algorithm (a power-of-two circular convolution). Real
 * transforms of even length pack the input into a complex transform of half the length, so an
 * 800-point synthMel frame is one 400-point mixed-radix transform.
 */

/** An in-place complex DFT of a fixed length `n` (any n >= 1) over split real/imaginary arrays. */
export class ComplexFft {
  readonly n: number;
  private readonly engine: { transform(re: Float64Array, im: Float64Array): void };

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`FFT length must be a positive integer, got ${n}`);
    this.n = n;
    const factors = smallFactors(n);
    this.engine = isPowerOfTwo(n) ? new Radix2(n) : factors ? new MixedRadix(n, factors) : new Bluestein(n);
  }

  /** Forward DFT in place: X[k] = sum_j x[j] e^{-2 pi i jk/n}. Both arrays have length >= n. */
  forward(re: Float64Array, im: Float64Array): void {
    this.engine.transform(re, im);
  }

  /** Inverse DFT in place, scaled by 1/n so that inverse(forward(x)) = x. */
  inverse(re: Float64Array, im: Float64Array): void {
    const n = this.n;
    for (let i = 0; i < n; i++) im[i] = -im[i];
    this.forward(re, im);
    const scale = 1 / n;
    for (let i = 0; i < n; i++) {
      re[i] *= scale;
      im[i] = -im[i] * scale;
    }
  }
}

/**
 * The DFT of a real signal of fixed length `n` (any n >= 1): `n/2 + 1` complex bins
 * (`floor(n/2) + 1` for odd n), bin k at frequency k * sampleRate / n.
 *
 * ```ts
 * const fft = new RealFft(800);
 * const re = new Float64Array(fft.bins), im = new Float64Array(fft.bins);
 * fft.forward(frame, re, im);        // frame: 800 samples (shorter input is zero-padded)
 * fft.inverse(re, im, out);          // out: 800 samples, inverse(forward(x)) = x
 * ```
 */
export class RealFft {
  readonly n: number;
  /** Number of output bins: floor(n/2) + 1. */
  readonly bins: number;
  private readonly half: ComplexFft | null;
  private readonly full: ComplexFft | null;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  /** e^{-2 pi i k/n} for k in [0, n/2): the twiddles that split the packed half-length transform. */
  private readonly twRe: Float64Array;
  private readonly twIm: Float64Array;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`FFT length must be a positive integer, got ${n}`);
    this.n = n;
    this.bins = (n >> 1) + 1;
    const even = n % 2 === 0 && n >= 2;
    const work = even ? n >> 1 : n;
    this.half = even ? new ComplexFft(work) : null;
    this.full = even ? null : new ComplexFft(work);
    this.re = new Float64Array(work);
    this.im = new Float64Array(work);
    this.twRe = new Float64Array(work);
    this.twIm = new Float64Array(work);
    if (even) {
      for (let k = 0; k < work; k++) {
        this.twRe[k] = Math.cos((2 * Math.PI * k) / n);
        this.twIm[k] = -Math.sin((2 * Math.PI * k) / n);
      }
    }
  }

  /**
   * Forward transform. `input` holds up to n samples (missing ones count as zeros); `outRe`/`outIm`
   * receive `bins` values each.
   */
  forward(input: ArrayLike<number>, outRe: Float64Array | Float32Array, outIm: Float64Array | Float32Array): void {
    const { n, re, im } = this;
    const len = Math.min(input.length, n);
    if (this.full) {
      for (let i = 0; i < n; i++) {
        re[i] = i < len ? input[i] : 0;
        im[i] = 0;
      }
      this.full.forward(re, im);
      for (let k = 0; k < this.bins; k++) {
        outRe[k] = re[k];
        outIm[k] = im[k];
      }
      return;
    }
    const m = n >> 1;
    for (let j = 0; j < m; j++) {
      const a = 2 * j;
      re[j] = a < len ? input[a] : 0;
      im[j] = a + 1 < len ? input[a + 1] : 0;
    }
    this.half!.forward(re, im);
    // Z = FFT(even + i*odd); E[k] = (Z[k] + conj Z[m-k]) / 2, O[k] = (Z[k] - conj Z[m-k]) / 2i.
    for (let k = 0; k <= m; k++) {
      const k1 = k === m ? 0 : k;
      const k2 = k === 0 ? 0 : m - k;
      const zr = re[k1], zi = im[k1], cr = re[k2], ci = -im[k2];
      const er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci);
      const or = 0.5 * (zi - ci), oi = -0.5 * (zr - cr);
      const wr = k === m ? -1 : this.twRe[k], wi = k === m ? 0 : this.twIm[k];
      outRe[k] = er + wr * or - wi * oi;
      outIm[k] = ei + wr * oi + wi * or;
    }
  }

  /**
   * Inverse transform of `bins` complex values (the imaginary parts of bin 0, and of bin n/2 for
   * even n, are ignored as a real signal has none) into n real samples, scaled by 1/n.
   */
  inverse(inRe: ArrayLike<number>, inIm: ArrayLike<number>, out: Float64Array | Float32Array): void {
    const { n, re, im } = this;
    if (this.full) {
      for (let k = 0; k < this.bins; k++) {
        re[k] = inRe[k];
        im[k] = k === 0 ? 0 : inIm[k];
      }
      for (let k = this.bins; k < n; k++) {
        re[k] = inRe[n - k];
        im[k] = -inIm[n - k];
      }
      this.full.inverse(re, im);
      for (let i = 0; i < n; i++) out[i] = re[i];
      return;
    }
    const m = n >> 1;
    // E[k] = (X[k] + conj X[m-k]) / 2, O[k] = (X[k] - conj X[m-k]) / (2 W^k); Z = E + iO.
    for (let k = 0; k < m; k++) {
      const xr = inRe[k], xi = k === 0 ? 0 : inIm[k];
      const yr = inRe[m - k], yi = m - k === m || m - k === 0 ? 0 : -inIm[m - k];
      const er = 0.5 * (xr + yr), ei = 0.5 * (xi + yi);
      const dr = 0.5 * (xr - yr), di = 0.5 * (xi - yi);
      // divide by W^k = multiply by conj(W^k)
      const wr = this.twRe[k], wi = -this.twIm[k];
      const or = dr * wr - di * wi, oi = dr * wi + di * wr;
      re[k] = er - oi;
      im[k] = ei + or;
    }
    this.half!.inverse(re, im);
    for (let j = 0; j < m; j++) {
      out[2 * j] = re[j];
      out[2 * j + 1] = im[j];
    }
  }
}

function isPowerOfTwo(n: number): boolean {
  return (n & (n - 1)) === 0;
}

/** Largest prime factor the mixed-radix transform handles (generic butterflies cost p^2 per point). */
const MAX_SMALL_FACTOR = 7;

/** n's factors (4s first, then 2, 3, 5, 7) or null when n has a prime factor above MAX_SMALL_FACTOR. */
function smallFactors(n: number): number[] | null {
  const factors: number[] = [];
  let rest = n;
  for (const p of [4, 2, 3, 5, 7]) {
    while (rest % p === 0) {
      factors.push(p);
      rest /= p;
    }
  }
  return rest === 1 ? factors : null;
}

/**
 * Mixed-radix decimation-in-time Cooley-Tukey (the layout of kissfft): out-of-place recursion over
 * the factors with one table of n twiddles, radix-2 and radix-4 butterflies specialised, others
 * (3, 5, 7) generic.
 */
class MixedRadix {
  private readonly n: number;
  private readonly factors: number[];
  private readonly twRe: Float64Array;
  private readonly twIm: Float64Array;
  private readonly inRe: Float64Array;
  private readonly inIm: Float64Array;
  private readonly scratchRe: Float64Array;
  private readonly scratchIm: Float64Array;

  constructor(n: number, factors: number[]) {
    this.n = n;
    this.factors = factors;
    this.twRe = new Float64Array(n);
    this.twIm = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this.twRe[i] = Math.cos((2 * Math.PI * i) / n);
      this.twIm[i] = -Math.sin((2 * Math.PI * i) / n);
    }
    this.inRe = new Float64Array(n);
    this.inIm = new Float64Array(n);
    this.scratchRe = new Float64Array(MAX_SMALL_FACTOR);
    this.scratchIm = new Float64Array(MAX_SMALL_FACTOR);
  }

  transform(re: Float64Array, im: Float64Array): void {
    this.inRe.set(re.subarray(0, this.n));
    this.inIm.set(im.subarray(0, this.n));
    this.work(re, im, 0, 0, 1, 0, this.n);
  }

  /**
   * DFT of length `len` of the input samples inOffset, inOffset + stride, ... into
   * out[outOffset .. outOffset + len); `stride` is also the twiddle stride (n / len).
   */
  private work(outRe: Float64Array, outIm: Float64Array, outOffset: number, inOffset: number, stride: number, level: number, len: number): void {
    const p = this.factors[level];
    const m = len / p;
    if (m === 1) {
      for (let j = 0; j < p; j++) {
        outRe[outOffset + j] = this.inRe[inOffset + j * stride];
        outIm[outOffset + j] = this.inIm[inOffset + j * stride];
      }
    } else {
      for (let j = 0; j < p; j++) this.work(outRe, outIm, outOffset + j * m, inOffset + j * stride, stride * p, level + 1, m);
    }
    if (p === 2) this.butterfly2(outRe, outIm, outOffset, stride, m);
    else if (p === 4) this.butterfly4(outRe, outIm, outOffset, stride, m);
    else this.butterflyGeneric(outRe, outIm, outOffset, stride, m, p);
  }

  private butterfly2(re: Float64Array, im: Float64Array, at: number, stride: number, m: number): void {
    const { twRe, twIm } = this;
    for (let k = 0; k < m; k++) {
      const a = at + k, b = a + m, t = k * stride;
      const tr = re[b] * twRe[t] - im[b] * twIm[t];
      const ti = re[b] * twIm[t] + im[b] * twRe[t];
      re[b] = re[a] - tr; im[b] = im[a] - ti;
      re[a] += tr; im[a] += ti;
    }
  }

  private butterfly4(re: Float64Array, im: Float64Array, at: number, stride: number, m: number): void {
    const { twRe, twIm } = this;
    for (let k = 0; k < m; k++) {
      const i0 = at + k, i1 = i0 + m, i2 = i1 + m, i3 = i2 + m;
      const t1 = k * stride, t2 = 2 * t1, t3 = 3 * t1;
      const s0r = re[i1] * twRe[t1] - im[i1] * twIm[t1], s0i = re[i1] * twIm[t1] + im[i1] * twRe[t1];
      const s1r = re[i2] * twRe[t2] - im[i2] * twIm[t2], s1i = re[i2] * twIm[t2] + im[i2] * twRe[t2];
      const s2r = re[i3] * twRe[t3] - im[i3] * twIm[t3], s2i = re[i3] * twIm[t3] + im[i3] * twRe[t3];
      const s5r = re[i0] - s1r, s5i = im[i0] - s1i;
      const a0r = re[i0] + s1r, a0i = im[i0] + s1i;
      const s3r = s0r + s2r, s3i = s0i + s2i;
      const s4r = s0r - s2r, s4i = s0i - s2i;
      re[i2] = a0r - s3r; im[i2] = a0i - s3i;
      re[i0] = a0r + s3r; im[i0] = a0i + s3i;
      re[i1] = s5r + s4i; im[i1] = s5i - s4r;
      re[i3] = s5r - s4i; im[i3] = s5i + s4r;
    }
  }

  private butterflyGeneric(re: Float64Array, im: Float64Array, at: number, stride: number, m: number, p: number): void {
    const { twRe, twIm, scratchRe, scratchIm, n } = this;
    for (let u = 0; u < m; u++) {
      for (let q = 0, k = at + u; q < p; q++, k += m) {
        scratchRe[q] = re[k];
        scratchIm[q] = im[k];
      }
      for (let q1 = 0, k = u; q1 < p; q1++, k += m) {
        // X[k] = sum_q scratch[q] * W_len^{q k}, with W_len = tw[stride]; k is u + q1*m.
        let sr = scratchRe[0], si = scratchIm[0];
        const step = (stride * k) % n;
        let t = 0;
        for (let q = 1; q < p; q++) {
          t += step;
          if (t >= n) t -= n;
          sr += scratchRe[q] * twRe[t] - scratchIm[q] * twIm[t];
          si += scratchRe[q] * twIm[t] + scratchIm[q] * twRe[t];
        }
        re[at + k] = sr;
        im[at + k] = si;
      }
    }
  }
}

/** Iterative decimation-in-time radix-2 transform with a bit-reversal table and twiddles. */
class Radix2 {
  private readonly n: number;
  private readonly rev: Uint32Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(n: number) {
    this.n = n;
    this.rev = new Uint32Array(n);
    const bits = Math.round(Math.log2(n));
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.cos = new Float64Array(n >> 1);
    this.sin = new Float64Array(n >> 1);
    for (let k = 0; k < n >> 1; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / n);
    }
  }

  transform(re: Float64Array, im: Float64Array): void {
    const { n, rev, cos, sin } = this;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        let t = re[i]; re[i] = re[j]; re[j] = t;
        t = im[i]; im[i] = im[j]; im[j] = t;
      }
    }
    for (let size = 2; size <= n; size <<= 1) {
      const halfSize = size >> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0, t = 0; k < halfSize; k++, t += step) {
          const a = start + k, b = a + halfSize;
          const wr = cos[t], wi = sin[t];
          const br = re[b] * wr - im[b] * wi;
          const bi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - br; im[b] = im[a] - bi;
          re[a] += br; im[a] += bi;
        }
      }
    }
  }
}

/** Bluestein's chirp-z: a DFT of any length as a circular convolution of power-of-two length. */
class Bluestein {
  private readonly n: number;
  private readonly conv: Radix2;
  private readonly m: number;
  /** chirp c[j] = e^{-i pi j^2 / n} */
  private readonly chirpRe: Float64Array;
  private readonly chirpIm: Float64Array;
  /** FFT of the conjugate chirp laid out circularly, scaled by 1/m for the inverse. */
  private readonly kernelRe: Float64Array;
  private readonly kernelIm: Float64Array;
  private readonly aRe: Float64Array;
  private readonly aIm: Float64Array;

  constructor(n: number) {
    this.n = n;
    let m = 1;
    while (m < 2 * n - 1) m <<= 1;
    this.m = m;
    this.conv = new Radix2(m);
    this.chirpRe = new Float64Array(n);
    this.chirpIm = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      // j^2 mod 2n keeps the angle small and exact for large j.
      const angle = (Math.PI * ((j * j) % (2 * n))) / n;
      this.chirpRe[j] = Math.cos(angle);
      this.chirpIm[j] = -Math.sin(angle);
    }
    this.kernelRe = new Float64Array(m);
    this.kernelIm = new Float64Array(m);
    for (let j = 0; j < n; j++) {
      this.kernelRe[j] = this.chirpRe[j];
      this.kernelIm[j] = -this.chirpIm[j];
      if (j > 0) {
        this.kernelRe[m - j] = this.chirpRe[j];
        this.kernelIm[m - j] = -this.chirpIm[j];
      }
    }
    this.conv.transform(this.kernelRe, this.kernelIm);
    for (let k = 0; k < m; k++) {
      this.kernelRe[k] /= m;
      this.kernelIm[k] /= m;
    }
    this.aRe = new Float64Array(m);
    this.aIm = new Float64Array(m);
  }

  transform(re: Float64Array, im: Float64Array): void {
    const { n, m, aRe, aIm, chirpRe, chirpIm, kernelRe, kernelIm } = this;
    for (let j = 0; j < n; j++) {
      aRe[j] = re[j] * chirpRe[j] - im[j] * chirpIm[j];
      aIm[j] = re[j] * chirpIm[j] + im[j] * chirpRe[j];
    }
    aRe.fill(0, n);
    aIm.fill(0, n);
    this.conv.transform(aRe, aIm);
    // Pointwise product, then an inverse transform via the conjugation trick (kernel already / m).
    for (let k = 0; k < m; k++) {
      const r = aRe[k] * kernelRe[k] - aIm[k] * kernelIm[k];
      const i = aRe[k] * kernelIm[k] + aIm[k] * kernelRe[k];
      aRe[k] = r;
      aIm[k] = -i;
    }
    this.conv.transform(aRe, aIm);
    for (let k = 0; k < n; k++) {
      const r = aRe[k], i = -aIm[k];
      re[k] = r * chirpRe[k] - i * chirpIm[k];
      im[k] = r * chirpIm[k] + i * chirpRe[k];
    }
  }
}
