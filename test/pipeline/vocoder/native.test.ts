/**
 * The native addon engine against the ONNX Loop engine: same network, same seed. Float rounding
 * differs (MLAS vs the addon's loops), so a near-tie in the sampler can eventually pick a
 * neighbouring class and the two streams part ways; until then they agree exactly.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createVocoder } from '../../../src/pipeline/vocoder/index.js';
import { Conditioning } from '../../../src/pipeline/vocoder/conditioning.js';
import { loadNativeSampleLoop, nativeAddonPath } from '../../../src/pipeline/vocoder/nativeLoop.js';
import { loadVocoderModel } from '../../../src/pipeline/vocoder/vocoderModel.js';
import { MODELS_DIR, readManifest, testMel, vocodeChunked } from './helpers.js';

const manifest = readManifest();
const spec = manifest.features.synthMel;
const { mel, frames } = testMel(spec, 0.5);

if (!nativeAddonPath()) {
  console.log('native vocoder addon not built (npm install builds it): native tests skipped');
} else {
  const native = await createVocoder(MODELS_DIR, manifest, { engine: 'native' });
  const onnx = await createVocoder(MODELS_DIR, manifest, { engine: 'onnx-loop' });

  test('is the default engine when built', async () => {
    const voc = await createVocoder(MODELS_DIR, manifest);
    assert.is(voc.engine, 'native');
    voc.release();
  });

  test('computes the conditioning net as the TypeScript one does (float32 vs float64 sums)', () => {
    const model = loadVocoderModel(manifest.vocoder!, MODELS_DIR);
    const ts = new Conditioning(model.dims, model.weights);
    const loop = loadNativeSampleLoop(model, ts.interp)!;
    const rows = 20;
    const a = loop.conditionFrames!(mel.subarray(0, rows * spec.nMels), rows);
    const b = ts.frames(mel.subarray(0, rows * spec.nMels), rows);
    assert.is(a.length, (rows - 2 * model.dims.context) * model.dims.condDim);
    assert.is(a.length, b.length);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
    assert.ok(worst < 1e-4, `largest relative difference ${worst}`);
  });

  test('gives the same samples as the ONNX Loop engine for the same seed, up to near-ties', () => {
    // Where the sampler's uniform falls within float rounding of a class boundary the engines may
    // pick neighbouring classes and part ways; that is rare, so most streams agree for long stretches.
    const prefixes = [1, 2, 3, 4, 5, 6].map((seed) => {
      const a = vocodeChunked(native, mel, frames, spec.nMels, [frames], seed).samples;
      const b = vocodeChunked(onnx, mel, frames, spec.nMels, [frames], seed).samples;
      assert.is(a.length, b.length);
      let same = 0;
      while (same < a.length && Math.abs(a[same] - b[same]) < 1e-6) same++;
      return same;
    });
    const sorted = [...prefixes].sort((x, y) => x - y);
    assert.ok(sorted[0] >= 100, `agreeing prefixes ${prefixes}: every seed should agree on its first 100 samples`);
    assert.ok(sorted[3] >= 1000, `agreeing prefixes ${prefixes}: most seeds should agree on 1000 samples`);
  });

  test('chunked output equals one-shot output, batched streams equal single streams', () => {
    const whole = vocodeChunked(native, mel, frames, spec.nMels, [frames], 5).samples;
    const chunked = vocodeChunked(native, mel, frames, spec.nMels, [3, 8], 5).samples;
    assert.equal(chunked, whole);
    const first = (seed: number) => ({ mel: mel.slice(0, 9 * spec.nMels), frames: 9, final: false, state: null, seed });
    const alone = [7, 8, 9, 10].map((s) => native.vocode(first(s)).samples);
    native.vocodeBatch([7, 8, 9, 10].map(first)).forEach((r, i) => assert.equal(r.samples, alone[i]));
  });

  test.after(() => {
    native.release();
    onnx.release();
  });
}
test.run();
