/**
 * The Node engines against the training code: fed the fixture's mel and sampler uniforms, the native
 * and ONNX Loop engines sample exactly the classes that the float64 reference arithmetic
 * (training/clonecast_train/vocoder/reference.py, itself checked against the PyTorch model's logits
 * in training/tests/test_vocoder.py) sampled, up to the first near-tie of the sampler. Export writes
 * test/fixtures/vocoder/parity.json from the installed weights.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Conditioning } from '../../../src/pipeline/vocoder/conditioning.js';
import { loadNativeSampleLoop, nativeAddonPath } from '../../../src/pipeline/vocoder/nativeLoop.js';
import { OnnxSampleLoop } from '../../../src/pipeline/vocoder/onnxLoop.js';
import { fillUniforms } from '../../../src/pipeline/vocoder/rng.js';
import type { SampleLoop } from '../../../src/pipeline/vocoder/sampleLoop.js';
import { loadVocoderModel } from '../../../src/pipeline/vocoder/vocoderModel.js';
import { MODELS_DIR, readManifest, ROOT } from './helpers.js';

interface ParityFixture {
  weightsSha256: string; blocks: number; rows: number; nMels: number; mel: number[]; seed: number;
  uniforms: number[]; prev0: number; safePrefix: number; classes: number[]; margins: number[];
}

const fixture: ParityFixture = JSON.parse(readFileSync(resolve(ROOT, 'test/fixtures/vocoder/parity.json'), 'utf8'));
const manifest = readManifest();
const model = loadVocoderModel(manifest.vocoder!, MODELS_DIR);
const conditioning = new Conditioning(model.dims, model.weights);
const mel = Float32Array.from(fixture.mel);
const uniforms = Float32Array.from(fixture.uniforms);

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

function sampledClasses(loop: SampleLoop): Int32Array {
  const cond = loop.conditionFrames ? loop.conditionFrames(mel, fixture.rows) : conditioning.frames(mel, fixture.rows);
  const { hidden1, hidden2 } = model.dims;
  return loop.run(cond, fixture.blocks, uniforms, 1, {
    h1: new Float32Array(hidden1), h2: new Float32Array(hidden2), prev: Int32Array.of(fixture.prev0),
  });
}

function assertMatchesReference(classes: Int32Array, engine: string): void {
  assert.is(classes.length, fixture.classes.length);
  let same = 0;
  while (same < classes.length && classes[same] === fixture.classes[same]) same++;
  assert.ok(same >= fixture.safePrefix,
    `${engine}: first difference at sample ${same} (class ${classes[same]} vs ${fixture.classes[same]}, margin ${fixture.margins[same]}); ` +
    `the reference has no near-tie before ${fixture.safePrefix}`);
}

test('the ONNX Loop engine samples the reference classes', () => {
  const loop = new OnnxSampleLoop(model.loopPath, model.dims, conditioning);
  try {
    assertMatchesReference(sampledClasses(loop), 'onnx-loop');
  } finally {
    loop.release();
  }
});

test('the native engine samples the reference classes', () => {
  if (!nativeAddonPath()) {
    console.log('native vocoder addon not built (npm install builds it): skipped');
    return;
  }
  assertMatchesReference(sampledClasses(loadNativeSampleLoop(model, conditioning.interp)!), 'native');
});

test.run();
