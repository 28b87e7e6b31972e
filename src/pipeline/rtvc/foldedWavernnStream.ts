/**
 * RTVC's batched WaveRNN mode (folds generated side by side as rows of one batch, joined by its
 * silence + equal-power crossfades), made progressive. One sequential row of RTVC's WaveRNN cannot
 * run in real time on a CPU core (it is memory-bound: docs/notes/rtvc.md); rows batched in one Loop
 * call share each weight read. Folds are laid out from a schedule: RTVC's own (every fold `target`
 * long) reproduces `infer_waveform(batched=True)`; a growing schedule (short first folds, longer
 * later ones) lets the first audio out early while later folds, started in parallel as soon as
 * their mel exists, finish before they are due.
 *
 * Row k covers utterance samples [start_k, start_k + length_k); consecutive rows overlap by
 * `overlap` samples, and every row edge gets RTVC's fade (overlap/2 of silence, then an equal-power
 * ramp), the first row's start and the last row's end included, exactly as xfade_and_unfold does.
 * Samples leave in order once every row covering them has generated them; then mu-law decoding,
 * de-emphasis, and at the end RTVC's crop to (T - 1) * hop and fade-out.
 */
import { classToSample, Deemphasis, fadeOutTail, mulawDecode } from './wavernnPostprocess.js';
import { sampleLoop, upsampleFrames, type WavernnConfig, type WavernnGraphs } from './wavernnVocoder.js';

/** Length of fold k (samples, overlaps included) given the samples before it (`before`). */
export type FoldSchedule = (k: number, before: number) => number;

/** RTVC's folds: every fold target + 2 overlap long. */
export function rtvcFolds(target: number, overlap: number): FoldSchedule {
  return () => target + 2 * overlap;
}

/** Folds that start short and grow with the audio before them, capped at `max`. */
export function growingFolds(first: number, growth: number, max: number): FoldSchedule {
  return (_k, before) => Math.min(max, Math.round(first + growth * before));
}

/** How the folds are laid out and sampled. */
export interface FoldedStreamOptions {
  readonly schedule: FoldSchedule;
  readonly overlap: number;
  /** Uniforms for `n` steps of fold `row`. */
  readonly uniforms: (row: number, n: number) => Float64Array;
  /** Most rows generated at once (default 16). */
  readonly maxRows?: number;
  /** Most steps per Loop call (default 800): bounds how long one call holds the thread. */
  readonly maxSteps?: number;
}

interface Row {
  readonly index: number;
  readonly start: number;
  length: number;
  /** Steps generated so far. */
  done: number;
  samples: Float64Array;
  h1: Float32Array;
  h2: Float32Array;
  x: Float32Array;
}

/** RTVC's batched WaveRNN over mel chunks: `push` returns the samples that became final (see module doc). */
export class FoldedWavernnStream {
  /** Received mel frames from utterance frame `melStart` on (older ones are no longer needed). */
  private mel = new Float32Array(0);
  private melStart = 0;
  private received = 0;
  private final = false;
  /** Features from utterance sample `featureStart` (a frame boundary) to `featured`: mels per sample, aux per sample or per frame. */
  private upMels: Float32Array = new Float32Array(0);
  private featureStart = 0;
  private aux: Float32Array = new Float32Array(0);
  private readonly auxPerFrame: boolean;
  /** Samples whose features are known. */
  private featured = 0;
  private readonly rows: Row[] = [];
  /** Folds laid out so far (rows already emitted are dropped from `rows`). */
  private rowCount = 0;
  /** Unfolded samples emitted so far. */
  private emitted = 0;
  private readonly deemphasis: Deemphasis;
  private readonly fadeIn: Float64Array;
  private readonly fadeOut: Float64Array;
  private pending = new Float64Array(0);
  private ended = false;

  constructor(private readonly graphs: WavernnGraphs, private readonly config: WavernnConfig, private readonly options: FoldedStreamOptions) {
    this.deemphasis = new Deemphasis(config.preemphasis);
    this.auxPerFrame = graphs.auxAtFrameRate ?? false;
    const ov = options.overlap;
    const silence = Math.floor(ov / 2);
    const fade = ov - silence;
    this.fadeIn = new Float64Array(ov);
    this.fadeOut = new Float64Array(ov);
    for (let i = 0; i < fade; i++) {
      const t = fade === 1 ? -1 : -1 + (2 * i) / (fade - 1);
      this.fadeIn[silence + i] = Math.sqrt(0.5 * (1 + t));
      this.fadeOut[i] = Math.sqrt(0.5 * (1 - t));
    }
  }

  /** Adds mel frames ([frames][nMels]); generates what it can and returns the samples now final. */
  push(mel: Float32Array, final: boolean): Float32Array {
    if (this.ended) throw new Error('the vocoder stream has ended');
    const joined = new Float32Array(this.mel.length + mel.length);
    joined.set(this.mel);
    joined.set(mel, this.mel.length);
    this.mel = joined;
    this.received += mel.length / this.config.nMels;
    this.final = final;
    this.extendFeatures();
    this.planRows();
    this.generate();
    return this.emit();
  }

  /** Total samples of the folded signal: RTVC generates T * hop, keeps (T - 1) * hop. */
  private get total(): number {
    return this.final ? this.received * this.config.hop : Infinity;
  }

  private extendFeatures(): void {
    const { hop, context } = this.config;
    const ready = this.final ? this.received : Math.max(0, this.received - context);
    const from = this.featured / hop;
    if (ready <= from) return;
    const up = upsampleFrames(this.graphs, this.config, this.mel, from, ready, this.melStart, this.final ? this.received : Infinity);
    // memory stays bounded by the rows in flight: drop features and frames no row will read again
    // (from a frame boundary, so that frame-rate aux and per-sample mels drop the same frames)
    const last = this.rows[this.rows.length - 1];
    const open = this.rows.filter((r) => r.done < r.length).map((r) => r.start + r.done);
    const needFrom = Math.floor(Math.min(this.featured, ...open, last ? last.start + last.length - this.options.overlap : 0) / hop) * hop;
    if (needFrom > this.featureStart) {
      const M = this.config.nMels, A = this.config.auxChannels;
      const drop = needFrom - this.featureStart;
      this.upMels = this.upMels.slice(drop * M);
      this.aux = this.aux.slice((this.auxPerFrame ? drop / hop : drop) * A);
      this.featureStart = needFrom;
    }
    const keepFrame = Math.max(this.melStart, ready - context);
    this.mel = this.mel.slice((keepFrame - this.melStart) * this.config.nMels);
    this.melStart = keepFrame;
    this.upMels = concat(this.upMels, up.mels);
    this.aux = concat(this.aux, up.aux);
    this.featured = ready * hop;
  }

  /** Lays out folds over the features known so far (RTVC zero-pads the last fold past the end). */
  private planRows(): void {
    const ov = this.options.overlap;
    for (;;) {
      const last = this.rows[this.rows.length - 1];
      const start = last ? last.start + last.length - ov : 0;
      if (last && last.start + last.length >= this.total) return; // the last fold reaches the end
      if (start >= this.featured && !(this.final && start < this.total)) return;
      // a fold holds at least its fade-in and fade-out
      const length = Math.max(2 * ov + 1, this.options.schedule(this.rowCount, start));
      const R = this.config.rnnDims;
      this.rows.push({ index: this.rowCount++, start, length, done: 0, samples: new Float64Array(length), h1: new Float32Array(R), h2: new Float32Array(R), x: new Float32Array(1) });
    }
  }

  /** Advances every row that has features, in batches of equal step counts. */
  private generate(): void {
    const { nMels: M, auxChannels: A } = this.config;
    const maxRows = this.options.maxRows ?? 16;
    const maxSteps = this.options.maxSteps ?? 800;
    for (;;) {
      // steps each unfinished row can take now (features beyond the end are RTVC's zero padding)
      const runnable = this.rows
        .filter((r) => r.done < r.length)
        .map((r) => ({ r, n: Math.min(r.length, (this.final ? Infinity : this.featured - r.start)) - r.done }))
        .filter((x) => x.n > 0)
        .slice(0, maxRows);
      if (runnable.length === 0) return;
      const n = Math.min(maxSteps, ...runnable.map((x) => x.n));
      const B = runnable.length;
      const { hop } = this.config;
      const mels = new Float32Array(B * n * M);
      // frame-rate aux: each row reads the frames under its next n samples, from its own phase
      const frames = this.auxPerFrame ? Math.max(...runnable.map(({ r }) => Math.ceil((((r.start + r.done) % hop) + n) / hop))) : n;
      const aux = new Float32Array(B * frames * A);
      const auxOffset = new BigInt64Array(B);
      const uniforms = new Float64Array(B * n);
      runnable.forEach(({ r }, b) => {
        const from = r.start + r.done;
        const avail = Math.max(0, Math.min(n, this.featured - from));
        const at = from - this.featureStart;
        mels.set(this.upMels.subarray(at * M, (at + avail) * M), b * n * M);
        if (this.auxPerFrame) {
          const f0 = Math.floor(at / hop);
          const f1 = Math.min(f0 + frames, (this.featured - this.featureStart) / hop);
          if (f1 > f0) aux.set(this.aux.subarray(f0 * A, f1 * A), b * frames * A);
          auxOffset[b] = BigInt(at - f0 * hop);
        } else {
          aux.set(this.aux.subarray(at * A, (at + avail) * A), b * n * A);
        }
        uniforms.set(this.options.uniforms(r.index, n), b * n);
      });
      const R = this.config.rnnDims;
      const h1 = new Float32Array(B * R), h2 = new Float32Array(B * R), x = new Float32Array(B);
      runnable.forEach(({ r }, b) => {
        h1.set(r.h1, b * R);
        h2.set(r.h2, b * R);
        x[b] = r.x[0];
      });
      const out = sampleLoop(this.graphs, this.config, { mels, aux, auxOffset }, B, uniforms, { h1, h2, x });
      runnable.forEach(({ r }, b) => {
        for (let i = 0; i < n; i++) r.samples[r.done + i] = classToSample(Number(out.classes[b * n + i]), this.config.classes);
        r.done += n;
        r.h1 = out.state.h1.slice(b * R, (b + 1) * R);
        r.h2 = out.state.h2.slice(b * R, (b + 1) * R);
        r.x = out.state.x.slice(b, b + 1);
      });
    }
  }

  /** Unfolded sample j, when every row covering it has generated it; else null. */
  private unfolded(j: number): number | null {
    const ov = this.options.overlap;
    let v = 0;
    let covered = false;
    for (const r of this.rows) {
      if (j < r.start || j >= r.start + r.length) continue;
      covered = true;
      const i = j - r.start;
      if (i >= r.done) return null;
      let s = r.samples[i];
      if (i < ov) s *= this.fadeIn[i];
      if (i >= r.length - ov) s *= this.fadeOut[i - (r.length - ov)];
      v += s;
    }
    return covered ? v : null;
  }

  private emit(): Float32Array {
    let keep = this.final ? Math.max(0, this.received - 1) * this.config.hop : Infinity;
    // a fold not laid out yet will overlap the last one's tail: nothing from there on is final
    const last = this.rows[this.rows.length - 1];
    if (last && last.start + last.length < this.total) keep = Math.min(keep, last.start + last.length - this.options.overlap);
    if (!last) keep = 0;
    const fresh: number[] = [];
    while (this.emitted < keep) {
      const v = this.unfolded(this.emitted);
      if (v === null) break;
      fresh.push(mulawDecode(v, this.config.classes));
      this.emitted++;
    }
    // rows wholly emitted are done with (the last stays: the next fold starts from it)
    while (this.rows.length > 1 && this.rows[0].start + this.rows[0].length <= this.emitted) this.rows.shift();
    const decoded = this.deemphasis.apply(Float64Array.from(fresh));
    const all = new Float64Array(this.pending.length + decoded.length);
    all.set(this.pending);
    all.set(decoded, this.pending.length);
    if (this.final && this.emitted >= keep) {
      this.ended = true;
      fadeOutTail(all, this.config.fadeOutSamples);
      this.pending = new Float64Array(0);
      return Float32Array.from(all);
    }
    this.pending = new Float64Array(0);
    return Float32Array.from(all);
  }
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
