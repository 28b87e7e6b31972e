import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FoldedWavernnStream, growingFolds, rtvcFolds, type FoldSchedule } from '../../../src/pipeline/rtvc/foldedWavernnStream.js';
import { wavernnConfig, type WavernnGraphs } from '../../../src/pipeline/rtvc/wavernnVocoder.js';
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

function run(chunks: readonly number[], schedule: FoldSchedule, used = new Map<number, number>()): { pieces: Float32Array[]; wav: Float32Array } {
  const s = new FoldedWavernnStream(graphs, config, { schedule, overlap: 800, uniforms: rowUniforms(used) });
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

test.run();
