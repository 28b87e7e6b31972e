/**
 * The native addon engine against the ONNX Loop engine: same network, same seed. Float rounding
 * differs (MLAS vs the addon's loops), so a near-tie in the sampler can eventually pick a
 * neighbouring class and the two streams part ways; until then they agree exactly. And the linear
 * prediction on its own: with the network's output pinned, the samples are the LPC synthesis filter's.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createVocoder } from '../../../src/pipeline/vocoder/index.js';
import { Conditioning } from '../../../src/pipeline/vocoder/conditioning.js';
import { MelLpc } from '../../../src/pipeline/vocoder/lpc.js';
import { muLawTable } from '../../../src/pipeline/vocoder/mulaw.js';
import { fillUniforms } from '../../../src/pipeline/vocoder/rng.js';
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

  test('with the excitation pinned to two classes, the samples follow the LPC synthesis filter', () => {
    // fc2 = 0 with two large biases: the excitation is class LOW when u <= 0.5, else HIGH, whatever the
    // network's state, so each sample is mulaw(clip(p + decode(e))), p = -sum_k a[k] s_{t-1-k}: a
    // quantised all-pole filter driven by +-decode(HIGH), simulated here in float64.
    const model = loadVocoderModel(manifest.vocoder!, MODELS_DIR);
    const { classes: C, hop, lpcOrder: P, condDim: D, hidden1, hidden2, muBits } = model.dims;
    const HIGH = 340, LOW = C - 1 - HIGH;
    const fc2B = new Float32Array(C);
    fc2B[LOW] = fc2B[HIGH] = 50;
    const pinned = { ...model, weights: { ...model.weights, fc2W: new Float32Array(model.weights.fc2W.length), fc2B } };
    const loop = loadNativeSampleLoop(pinned, new Conditioning(model.dims, model.weights).interp)!;
    const blocks = 20;
    const lpcRows = Float32Array.from(new MelLpc(spec, model.lpc).rows(mel, blocks));
    const n = blocks * hop;
    const uniform = new Float32Array(n);
    fillUniforms(3, uniform, n);
    const out = loop.run(new Float32Array((blocks + 2) * D), lpcRows, blocks, uniform, 1, {
      h1: new Float32Array(hidden1), h2: new Float32Array(hidden2), prev: Int32Array.of(C >> 1), hist: new Float32Array(P),
    });
    const table = Float32Array.from(muLawTable(muBits));
    const mu = C - 1;
    const hist = new Float64Array(P);
    let nearTies = 0, outEnergy = 0;
    for (let t = 0; t < n; t++) {
      let p = 0;
      for (let k = 0; k < P; k++) p -= lpcRows[Math.floor(t / hop) * P + k] * hist[k];
      const s = Math.max(-1, Math.min(1, Math.max(-1, Math.min(1, p)) + table[uniform[t] <= 0.5 ? LOW : HIGH]));
      const position = ((Math.sign(s) * Math.log1p(mu * Math.abs(s))) / Math.log(C) + 1) * (mu / 2) + 0.5;
      const cls = Math.floor(position);
      if (out[t] !== cls) {
        // Only where float32 may round the other way: within 1e-3 of a class boundary, to the neighbour.
        const nearTie = Math.min(position - cls, cls + 1 - position) < 1e-3 && Math.abs(out[t] - cls) === 1;
        assert.ok(nearTie, `sample ${t}: class ${out[t]}, the filter gives ${cls} (position ${position})`);
        nearTies++;
      }
      hist.copyWithin(1, 0, P - 1);
      hist[0] = table[out[t]];
      outEnergy += hist[0] ** 2;
    }
    assert.ok(nearTies < n / 100, `${nearTies} near-ties`);
    // The prediction does the shaping: few samples are the bare excitation, and the voiced frames'
    // resonances make the output louder than it.
    const bare = out.filter((c) => c === LOW || c === HIGH).length;
    assert.ok(bare < n / 10, `${bare} of ${n} samples are the bare excitation`);
    assert.ok(Math.sqrt(outEnergy / n) > 1.5 * table[HIGH], `output rms ${Math.sqrt(outEnergy / n)}, excitation ${table[HIGH]}`);
  });

  test.after(() => {
    native.release();
    onnx.release();
  });
}
test.run();
