/**
 * Streaming sample-rate conversion by a rational factor L/M (polyphase windowed sinc).
 *
 * Output sample k sits at input time k*M/L (in input samples). The kernel is a Kaiser-windowed
 * sinc low-passed at `rolloff` times the lower Nyquist frequency, with `zeroCrossings` lobes each
 * side; its L phases are precomputed once per rate pair and shared by every stream (for a large L,
 * 1024 phases interpolated linearly). The tail of
 * the input is carried between pushes, so a signal pushed in pieces gives exactly the samples
 * of the whole signal; `flush()` drains the last `halfTaps` samples of delay.
 */

/** Rates the resampler accepts (Hz, integers). */
export const MIN_RATE = 8000;
export const MAX_RATE = 48000;

/** A sample rate outside MIN_RATE..MAX_RATE or not an integer. */
export class SampleRateError extends Error {
  readonly code = 'unsupported_sample_rate';
  constructor(rate: unknown) {
    super(`sample rate must be an integer in ${MIN_RATE}..${MAX_RATE} Hz, got ${String(rate)}`);
    this.name = 'SampleRateError';
  }
}

/** A streaming converter from `inputRate` to `outputRate`. */
export interface Resampler {
  readonly inputRate: number;
  readonly outputRate: number;
  /** Converts the next input samples; returns the output samples they complete. */
  push(samples: ArrayLike<number>): Float32Array;
  /** Ends the signal: returns the remaining outputs (total output = ceil(inputs * L / M)). */
  flush(): Float32Array;
}

export interface ResamplerOptions {
  /** Lobes of the sinc on each side of its centre (quality vs cost); default 48. */
  readonly zeroCrossings?: number;
  /**
   * Cutoff as a fraction of the lower Nyquist frequency; default 0.98. The encoder's top mel bands
   * reach 8 kHz, so a wide transition band that empties 7.4-8 kHz moves a voice's embedding (cosine
   * 0.67 to the original after 16 -> 22.05 -> 16 kHz with 0.92 and 16 lobes; 1.000 with 0.98 and 48).
   */
  readonly rolloff?: number;
  /** Kaiser window beta; default 8.6 (about -90 dB stopband). */
  readonly kaiserBeta?: number;
}

/** Creates a streaming resampler; equal rates give a pass-through copy. */
export function createResampler(inputRate: number, outputRate: number, options: ResamplerOptions = {}): Resampler {
  for (const rate of [inputRate, outputRate]) {
    if (!Number.isInteger(rate) || rate < MIN_RATE || rate > MAX_RATE) throw new SampleRateError(rate);
  }
  if (inputRate === outputRate) return new PassThrough(inputRate);
  return new PolyphaseResampler(inputRate, outputRate, kernelFor(inputRate, outputRate, options));
}

/** Converts a whole signal at once (the same samples as push + flush). */
export function resample(samples: ArrayLike<number>, inputRate: number, outputRate: number): Float32Array {
  const r = createResampler(inputRate, outputRate);
  const head = r.push(samples);
  const tail = r.flush();
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

interface Kernel {
  /** Upsampling factor L and downsampling factor M (coprime). */
  readonly up: number;
  readonly down: number;
  /** Taps per phase (even): the output at input time t uses inputs floor(t)-halfTaps+1 .. floor(t)+halfTaps. */
  readonly halfTaps: number;
  /**
   * Rows of 2*halfTaps weights, row-major. Exact (`interpolated` false): L rows, row p for output
   * times base + p/L. Interpolated: TABLE_PHASES + 1 rows at fractions r/TABLE_PHASES, blended
   * linearly (for rate pairs with a large L such as 47999 -> 16000, where L rows would be megabytes).
   */
  readonly taps: Float32Array;
  readonly interpolated: boolean;
}

/** Above this many phases the kernel is tabulated at TABLE_PHASES fractions and interpolated. */
const MAX_EXACT_PHASES = 1024;
const TABLE_PHASES = 1024;
/** Kernels kept for reuse (least recently created dropped first): bounds memory for odd rates. */
const MAX_CACHED_KERNELS = 16;
const kernels = new Map<string, Kernel>();

function kernelFor(inputRate: number, outputRate: number, options: ResamplerOptions): Kernel {
  const zeroCrossings = options.zeroCrossings ?? 48;
  const rolloff = options.rolloff ?? 0.98;
  const beta = options.kaiserBeta ?? 8.6;
  const key = `${inputRate}:${outputRate}:${zeroCrossings}:${rolloff}:${beta}`;
  const cached = kernels.get(key);
  if (cached) return cached;
  const g = gcd(inputRate, outputRate);
  const up = outputRate / g, down = inputRate / g;
  // Cutoff in cycles per input sample; the kernel spans zeroCrossings lobes of that sinc.
  const cutoff = (0.5 * rolloff * Math.min(inputRate, outputRate)) / inputRate;
  const halfWidth = zeroCrossings / (2 * cutoff); // in input samples
  const halfTaps = Math.ceil(halfWidth);
  const n = 2 * halfTaps;
  const interpolated = up > MAX_EXACT_PHASES;
  const rows = interpolated ? TABLE_PHASES + 1 : up;
  const taps = new Float32Array(rows * n);
  const i0Beta = besselI0(beta);
  for (let p = 0; p < rows; p++) {
    const frac = p / (interpolated ? TABLE_PHASES : up); // output time = base + frac
    for (let j = 0; j < n; j++) {
      const d = frac - (j - halfTaps + 1); // output time minus input index
      const ratio = d / halfWidth;
      const w = Math.abs(ratio) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - ratio * ratio)) / i0Beta;
      const x = 2 * cutoff * d;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      taps[p * n + j] = 2 * cutoff * sinc * w;
    }
  }
  const kernel = { up, down, halfTaps, taps, interpolated };
  if (kernels.size >= MAX_CACHED_KERNELS) kernels.delete(kernels.keys().next().value!);
  kernels.set(key, kernel);
  return kernel;
}

class PolyphaseResampler implements Resampler {
  /** Input samples held, buffer[0] being absolute input index `bufferStart` (negative: leading zeros). */
  private buffer: Float32Array;
  private bufferStart: number;
  private buffered: number;
  private inputs = 0;
  /** Next output k: base = floor(k*M/L), phase = k*M mod L. */
  private outputs = 0;
  private base = 0;
  private phase = 0;
  private flushed = false;

  constructor(readonly inputRate: number, readonly outputRate: number, private readonly kernel: Kernel) {
    const taps = 2 * kernel.halfTaps;
    this.buffer = new Float32Array(taps + 4096);
    // Inputs before the signal are zeros: prefill the halfTaps-1 that output 0 reads.
    this.bufferStart = -(kernel.halfTaps - 1);
    this.buffered = kernel.halfTaps - 1;
  }

  push(samples: ArrayLike<number>): Float32Array {
    if (this.flushed) throw new Error('resampler already flushed');
    this.append(samples);
    this.inputs += samples.length;
    return this.produce(Infinity);
  }

  flush(): Float32Array {
    if (this.flushed) return new Float32Array(0);
    this.flushed = true;
    const { up, down } = this.kernel;
    const total = Math.ceil((this.inputs * up) / down);
    this.append(new Float32Array(this.kernel.halfTaps));
    return this.produce(total);
  }

  private append(samples: ArrayLike<number>): void {
    // Drop inputs no future output reads, then grow only if a large push needs it.
    const keepFrom = this.base - this.kernel.halfTaps + 1 - this.bufferStart;
    if (keepFrom > 0) {
      this.buffer.copyWithin(0, keepFrom, this.buffered);
      this.buffered -= keepFrom;
      this.bufferStart += keepFrom;
    }
    if (this.buffered + samples.length > this.buffer.length) {
      const grown = new Float32Array(this.buffered + samples.length + 4096);
      grown.set(this.buffer.subarray(0, this.buffered));
      this.buffer = grown;
    }
    for (let i = 0; i < samples.length; i++) this.buffer[this.buffered + i] = samples[i];
    this.buffered += samples.length;
  }

  /** Emits outputs whose inputs are all buffered, up to output index `limit` (exclusive). */
  private produce(limit: number): Float32Array {
    const { up, down, halfTaps, taps, interpolated } = this.kernel;
    const n = 2 * halfTaps;
    const lastInput = this.bufferStart + this.buffered - 1;
    // Output k needs inputs up to base_k + halfTaps.
    let count = 0;
    {
      let base = this.base, phase = this.phase, k = this.outputs;
      while (k < limit && base + halfTaps <= lastInput) {
        count++; k++;
        phase += down;
        base += Math.floor(phase / up);
        phase %= up;
      }
    }
    const out = new Float32Array(count);
    const buf = this.buffer;
    let base = this.base, phase = this.phase;
    const offset = 1 - halfTaps - this.bufferStart;
    for (let c = 0; c < count; c++) {
      const first = base + offset;
      if (interpolated) {
        const position = (phase * TABLE_PHASES) / up;
        const r = Math.floor(position), t = position - r;
        const row0 = r * n, row1 = row0 + n;
        let acc0 = 0, acc1 = 0;
        for (let j = 0; j < n; j++) {
          const x = buf[first + j];
          acc0 += x * taps[row0 + j];
          acc1 += x * taps[row1 + j];
        }
        out[c] = acc0 + t * (acc1 - acc0);
      } else {
        const row = phase * n;
        let acc = 0;
        for (let j = 0; j < n; j++) acc += buf[first + j] * taps[row + j];
        out[c] = acc;
      }
      phase += down;
      while (phase >= up) {
        phase -= up;
        base++;
      }
    }
    this.base = base;
    this.phase = phase;
    this.outputs += count;
    return out;
  }
}

class PassThrough implements Resampler {
  constructor(readonly inputRate: number) {}
  get outputRate(): number {
    return this.inputRate;
  }
  push(samples: ArrayLike<number>): Float32Array {
    return Float32Array.from(samples);
  }
  flush(): Float32Array {
    return new Float32Array(0);
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (series; converges fast for beta < 20). */
function besselI0(x: number): number {
  let sum = 1, term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}
