import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FoldedWavernnStream, growingFolds, rtvcFolds, type FoldSchedule } from '../../../src/pipeline/rtvc/foldedWavernnStream.js';
import { inferWaveform, wavernnConfig, type WavernnGraphs } from '../../../src/pipeline/rtvc/wavernnVocoder.js';
import { maxAbsDiff } from '../../helpers/npz.js';
import { frameMajor, joinPieces, rtvcGolden, smallRtvcSection } from '../../helpers/rtvcFixtures.js';

const g = rtvcGolden('vocoder_golden.npz');
const { section, open } = smallRtvcSection('vocoder');
const config = wavernnConfig(section);
const graphs: WavernnGraphs = { upsample: open('upsample'), loop: open('sampleLoop') };
const [M, T] = g.mel.shape;
const mel = frameMajor(g.mel);

/** Per-row uniforms: RTVC's recorded batched draws for rows 0-1, a fixed generator beyond. */
function rowUniforms(used = new Map<number, number>()) {
  const u = g.batched_u.data as Float64Array;
  return (row: number, n: number) => {
    const at = used.get(row) ?? 0;
    used.set(row, at + n);
    if (row < 2) return u.slice(row * 9600 + at, row * 9600 + at + n);
    return Float64Array.from({ length: n }, (_, i) => ((row * 7919 + at + i) * 0.6180339887) % 1);
  };
}

function run(chunks: readonly number[], schedule: FoldSchedule, used = new Map<number, number>(), with_ = graphs, overlap = 800): { pieces: Float32Array[]; wav: Float32Array } {
  const s = new FoldedWavernnStream(with_, config, { schedule, overlap, uniforms: rowUniforms(used) });
  const pieces: Float32Array[] = [];
  let at = 0;
  chunks.forEach((n, i) => {
    pieces.push(s.push(mel.slice(at * M, (at + n) * M), i === chunks.length - 1));
    at += n;
  });
  return { pieces, wav: joinPieces(pieces) };
}

test('with RTVC\'s folds (8000 + 2 x 800) and all the mel at once it is RTVC\'s batched infer_waveform', () => {
  const { wav } = run([50], rtvcFolds(8000, 800));
  assert.is(wav.length, 9800);
  assert.ok(maxAbsDiff(wav, g.batched_wav.data as Float32Array) < 1e-4, `${maxAbsDiff(wav, g.batched_wav.data as Float32Array)}`);
});

test('fed in chunks it gives the same waveform, and audio leaves before the mel is complete', () => {
  const { pieces, wav } = run([10, 10, 30], rtvcFolds(8000, 800));
  assert.ok(maxAbsDiff(wav, g.batched_wav.data as Float32Array) < 1e-4);
  assert.ok(pieces[0].length > 0, 'the first fold\'s own samples leave at once');
});

test('growing folds: short first fold, every fold generated once, full length', () => {
  const used = new Map<number, number>();
  const { pieces, wav } = run([6, 10, 14, 20], growingFolds(1700, 0.1, 2400), used);
  assert.is(wav.length, 9800);
  assert.ok(used.size >= 6, `${used.size} folds`);
  assert.equal([...used.keys()], [...used.keys()].map((_, i) => i), 'fold indices 0, 1, 2, ...');
  for (const [row, steps] of used) assert.ok(steps >= 1700 && steps <= 2400, `fold ${row}: ${steps} steps`);
  assert.ok(pieces[0].length > 0);
  assert.ok(wav.every(Number.isFinite));
});

/** The int8 pair (frame-rate aux): rows of one Loop call share the dynamic quantisation of their activations, so it is close, not exact. */
const int8: WavernnGraphs = { upsample: open('upsampleInt8'), loop: open('sampleLoopInt8'), auxAtFrameRate: true };

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, x = 0, y = 0;
  for (let i = 0; i < a.length; i++) (dot += a[i] * b[i]), (x += a[i] ** 2), (y += b[i] ** 2);
  return dot / Math.sqrt(x * y);
}

test('int8 pair, RTVC\'s folds, fed in chunks: RTVC\'s batched waveform but for int8 rounding', () => {
  const { pieces, wav } = run([10, 10, 30], rtvcFolds(8000, 800), new Map(), int8);
  assert.is(wav.length, 9800);
  assert.ok(pieces[0].length > 0);
  assert.ok(correlation(wav, g.batched_wav.data as Float32Array) > 0.999, `${correlation(wav, g.batched_wav.data as Float32Array)}`);
});

test('int8 pair, folds off the frame grid (every other fold starts 100 samples into a frame): the stream reads each row\'s aux frames at its own phase, exactly as infer_waveform\'s fold layout', () => {
  const fold = { target: 1500, overlap: 400 };
  const { wav } = run([50], rtvcFolds(fold.target, fold.overlap), new Map(), int8, fold.overlap);
  const u = rowUniforms();
  const ref = inferWaveform(int8, { ...config, fold }, mel, true, (rows, length) => {
    const all = new Float64Array(rows * length);
    for (let r = 0; r < rows; r++) all.set(u(r, length), r * length);
    return all;
  });
  assert.is(ref.rows, 6);
  assert.is(wav.length, ref.wav.length);
  assert.ok(maxAbsDiff(wav, ref.wav) < 1e-6, `${maxAbsDiff(wav, ref.wav)}`);
});

test('int8 pair, growing folds: fed in chunks (frame-rate aux read from each row\'s own phase) as fed whole, every fold once', () => {
  const used = new Map<number, number>();
  const schedule = growingFolds(1700, 0.1, 2400);
  const chunked = run([6, 10, 14, 20], schedule, used, int8);
  const whole = run([50], schedule, new Map(), int8);
  assert.is(chunked.wav.length, 9800);
  assert.is(whole.wav.length, 9800);
  assert.ok(used.size >= 6, `${used.size} folds`);
  for (const [row, steps] of used) assert.ok(steps >= 1700 && steps <= 2400, `fold ${row}: ${steps} steps`);
  // the folds start off the frame grid (1700 - 800 = 900 samples): the aux offsets are exercised
  assert.ok(correlation(chunked.wav, whole.wav) > 0.99, `${correlation(chunked.wav, whole.wav)}`);
  assert.ok(chunked.pieces[0].length > 0);
});

test.run();
