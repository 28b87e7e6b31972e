/**
 * The native addon engine against the ONNX Loop engine: same network, same seed. Float rounding
 * differs (MLAS vs the addon's loops), so a near-tie in the sampler can eventually pick a
 * neighbouring class and the two streams part ways; until then they must agree exactly, and the
 * samples must be the same for a long stretch.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createVocoder } from '../../../src/pipeline/vocoder/index.js';
import { nativeAddonPath } from '../../../src/pipeline/vocoder/nativeLoop.js';
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

  test('gives the same samples as the ONNX Loop engine for the same seed', () => {
    for (const seed of [1, 2, 3]) {
      const a = vocodeChunked(native, mel, frames, spec.nMels, [frames], seed).samples;
      const b = vocodeChunked(onnx, mel, frames, spec.nMels, [frames], seed).samples;
      assert.is(a.length, b.length);
      let same = 0;
      while (same < a.length && Math.abs(a[same] - b[same]) < 1e-6) same++;
      assert.ok(same >= Math.min(a.length, 2000), `seed ${seed}: engines agree on the first ${same} of ${a.length} samples only`);
    }
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
