import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createOnnxSession } from '../../../src/pipeline/runtime/onnxRuntime.js';
import { WavernnStream } from '../../../src/pipeline/rtvc/wavernnStream.js';
import { wavernnConfig, type WavernnGraphs } from '../../../src/pipeline/rtvc/wavernnVocoder.js';
import { maxAbsDiff } from '../../helpers/npz.js';
import { rtvcGolden, smallRtvcModels } from '../../helpers/rtvcFixtures.js';

const g = rtvcGolden('vocoder_golden.npz');
const models = smallRtvcModels();
const section = JSON.parse(readFileSync(join(models, 'manifest.json'), 'utf8')).vocoder;
const config = wavernnConfig(section);
const open = (k: string) => createOnnxSession(join(models, section[k].file.file));
const graphs: WavernnGraphs = { upsample: open('upsample'), loop: open('sampleLoop') };
const [M, T] = g.mel.shape;
const mel = new Float32Array(M * T);
for (let m = 0; m < M; m++) for (let t = 0; t < T; t++) mel[t * M + m] = (g.mel.data as Float32Array)[m * T + t];

/** Feeds the golden mel in chunks of the given sizes; uniforms are RTVC's recorded unbatched draws. */
function stream(chunks: readonly number[], holdbackSamples: number) {
  const u = g.unbatched_u.data as Float64Array;
  let used = 0;
  const s = new WavernnStream(graphs, config, { uniforms: (n) => u.slice(used, (used += n)), holdbackSamples });
  const pieces: Float32Array[] = [];
  let at = 0;
  chunks.forEach((n, i) => {
    pieces.push(s.push(mel.slice(at * M, (at + n) * M), i === chunks.length - 1));
    at += n;
  });
  const wav = new Float32Array(pieces.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of pieces) wav.set(p, (o += p.length) - p.length);
  return { pieces, wav };
}

test('progressive vocoding of mel chunks equals RTVC\'s unbatched infer_waveform (same uniforms)', () => {
  for (const chunks of [[6, 10, 16, 18], [50], [1, 1, 3, 45]]) {
    const { wav } = stream(chunks, config.fadeOutSamples);
    assert.is(wav.length, (T - 1) * 200);
    assert.ok(maxAbsDiff(wav, g.unbatched_wav.data as Float32Array) < 1e-4, `chunks ${chunks}`);
  }
});

test('audio comes out chunk by chunk, lagging the mel by the upsampler context', () => {
  const { pieces } = stream([6, 10, 16, 18], 0);
  assert.equal(pieces.map((p) => p.length), [(6 - config.context) * 200, 10 * 200, 16 * 200, (18 + config.context - 1) * 200]);
  const whole = g.unbatched_wav.data as Float32Array;
  // before the fade-out region, samples are RTVC's
  assert.ok(maxAbsDiff(pieces[0], whole.subarray(0, pieces[0].length)) < 1e-4);
});

test.run();
