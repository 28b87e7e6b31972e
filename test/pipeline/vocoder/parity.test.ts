/**
 * The Node engines against the training code: fed the fixture's mel, its blocks' linear prediction
 * coefficients and sampler uniforms, the native and ONNX Loop engines sample exactly the classes
 * that the float64 reference arithmetic (training/clonecast_train/vocoder/reference.py, itself
 * checked against the PyTorch model's logits in training/tests/test_vocoder.py) sampled, up to the
 * first near-tie (of the sampler, or of a mu-law rounding of a prediction or sample). lpc.ts gives
 * the reference's coefficients from the mel, and the served path (a fresh stream through
 * createVocoder) samples the same classes. Export writes test/fixtures/vocoder/parity.json from the
 * installed weights.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Conditioning } from '../../../src/pipeline/vocoder/conditioning.js';
import { createVocoder, type VocoderEngine } from '../../../src/pipeline/vocoder/index.js';
import { MelLpc } from '../../../src/pipeline/vocoder/lpc.js';
import { deemphasize, highpassClip, muLawTable } from '../../../src/pipeline/vocoder/mulaw.js';
import { loadNativeSampleLoop, nativeAddonPath } from '../../../src/pipeline/vocoder/nativeLoop.js';
import { OnnxSampleLoop } from '../../../src/pipeline/vocoder/onnxLoop.js';
import { fillUniforms } from '../../../src/pipeline/vocoder/rng.js';
import type { SampleLoop } from '../../../src/pipeline/vocoder/sampleLoop.js';
import { loadVocoderModel } from '../../../src/pipeline/vocoder/vocoderModel.js';
import { MODELS_DIR, readManifest, ROOT } from './helpers.js';

interface ParityFixture {
  weightsSha256: string; blocks: number; rows: number; nMels: number; mel: number[]; seed: number;
  uniforms: number[]; prev0: number; safePrefix: number; classes: number[];
  /** [blocks][lpcOrder] the reference's coefficients of each block's frame, rounded to float32. */
  lpc: number[]; lpcOrder: number;
  /** Samples where the reference met a near-tie (sampler within nearTie, mu-law rounding within quantTie classes). */
  nearTies: number[]; nearTie: number; quantTie: number;
}

const fixture: ParityFixture = JSON.parse(readFileSync(resolve(ROOT, 'test/fixtures/vocoder/parity.json'), 'utf8'));
const manifest = readManifest();
const model = loadVocoderModel(manifest.vocoder!, MODELS_DIR);
const conditioning = new Conditioning(model.dims, model.weights);
const mel = Float32Array.from(fixture.mel);
const uniforms = Float32Array.from(fixture.uniforms);
const spec = manifest.features.synthMel;
/** Padding of a stream's mel: block j's own frame is padded row j + pad. */
const pad = model.dims.context + 1;

test('the fixture was made from the installed weights', () => {
  const weights = (manifest.vocoder!.files as Record<string, { file: string }>).weights.file;
  const sha = createHash('sha256').update(readFileSync(resolve(MODELS_DIR, weights))).digest('hex');
  assert.is(sha, fixture.weightsSha256, 'stale fixture: rerun python -m clonecast_train.vocoder.reference');
  assert.ok(fixture.safePrefix >= 100, `a useful fixture has a long stretch without near-ties (${fixture.safePrefix})`);
});

test('the engines draw the same uniforms from the seed as the training code', () => {
  const drawn = new Float32Array(uniforms.length);
  fillUniforms(fixture.seed, drawn, drawn.length);
  assert.equal(Array.from(drawn), Array.from(uniforms));
});

test('lpc.ts computes the reference coefficients from the mel', () => {
  assert.is(fixture.lpcOrder, model.lpc.order);
  const lpc = new MelLpc(spec, model.lpc);
  const ours = new Float64Array(fixture.blocks * fixture.lpcOrder);
  for (let j = 0; j < fixture.blocks; j++) lpc.coefficients(mel, (j + pad) * fixture.nMels, ours, j * fixture.lpcOrder);
  assert.is(fixture.lpc.length, ours.length);
  let worst = 0;
  for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - fixture.lpc[i]));
  assert.ok(worst < 1e-6, `largest difference ${worst}`);
  assert.ok(fixture.lpc.some((a) => Math.abs(a) > 0.1), 'a voiced frame has a non-trivial predictor');
});

function sampledClasses(loop: SampleLoop): Int32Array {
  const cond = loop.conditionFrames ? loop.conditionFrames(mel, fixture.rows) : conditioning.frames(mel, fixture.rows);
  const { hidden1, hidden2, lpcOrder } = model.dims;
  return loop.run(cond, Float32Array.from(fixture.lpc), fixture.blocks, uniforms, 1, {
    h1: new Float32Array(hidden1), h2: new Float32Array(hidden2), prev: Int32Array.of(fixture.prev0), hist: new Float32Array(lpcOrder),
  });
}

function assertMatchesReference(classes: ArrayLike<number>, engine: string): void {
  assert.is(classes.length, fixture.classes.length);
  let same = 0;
  while (same < classes.length && classes[same] === fixture.classes[same]) same++;
  const tie = fixture.nearTies.find((t) => t >= same);
  assert.ok(same >= fixture.safePrefix,
    `${engine}: first difference at sample ${same} (class ${classes[same]} vs ${fixture.classes[same]}; next near-tie of the reference at ${tie}); ` +
    `the reference has no near-tie before ${fixture.safePrefix}`);
}

/**
 * The classes behind a fresh stream's samples, checked through its output: the fixture's classes
 * decoded, de-emphasised and high-passed as NeuralVocoder does must give the same samples, exactly,
 * up to the first sample whose class differs.
 */
function assertServedMatchesReference(samples: Float32Array, engine: string): void {
  assert.is(samples.length, fixture.classes.length);
  const table = muLawTable(model.dims.muBits);
  const x = Float64Array.from(fixture.classes, (c) => table[c]);
  const expected = new Float32Array(x.length);
  deemphasize(x, model.dims.preemphasis, 0);
  highpassClip(x, spec.sampleRate, new Float64Array(4), expected);
  let same = 0;
  while (same < samples.length && samples[same] === expected[same]) same++;
  assert.ok(same >= fixture.safePrefix, `${engine} (served): first difference at sample ${same}; the reference has no near-tie before ${fixture.safePrefix}`);
}

async function servedSamples(engine: VocoderEngine): Promise<Float32Array> {
  // The fixture's rows are a fresh stream's padded mel: `pad` copies of frame 0, then frames 0 .. rows - pad - 1.
  const voc = await createVocoder(MODELS_DIR, manifest, { engine });
  try {
    const frames = fixture.rows - pad;
    const chunk = mel.slice(pad * fixture.nMels);
    const res = voc.vocode({ mel: chunk, frames, final: false, state: null, seed: fixture.seed });
    return res.samples;
  } finally {
    voc.release();
  }
}

test('the ONNX Loop engine samples the reference classes', async () => {
  const loop = new OnnxSampleLoop(model.loopPath, model.dims, conditioning);
  try {
    assertMatchesReference(sampledClasses(loop), 'onnx-loop');
  } finally {
    loop.release();
  }
  assertServedMatchesReference(await servedSamples('onnx-loop'), 'onnx-loop');
});

test('the native engine samples the reference classes', async () => {
  if (!nativeAddonPath()) {
    console.log('native vocoder addon not built (npm install builds it): skipped');
    return;
  }
  assertMatchesReference(sampledClasses(loadNativeSampleLoop(model, conditioning.interp)!), 'native');
  assertServedMatchesReference(await servedSamples('native'), 'native');
});

test.run();
