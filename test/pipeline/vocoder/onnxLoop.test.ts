/** The neural vocoder on the ONNX Loop engine, with the real models/ files. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createVocoder, VocoderError } from '../../../src/pipeline/vocoder/index.js';
import { MODELS_DIR, readManifest, testMel, vocodeChunked } from './helpers.js';

const manifest = readManifest();
const spec = manifest.features.synthMel;
const hop = spec.hopLength;
const { mel, frames } = testMel(spec, 0.6);
const voc = await createVocoder(MODELS_DIR, manifest, { engine: 'onnx-loop' });

test('reports the onnx-loop engine', () => {
  assert.is(voc.engine, 'onnx-loop');
});

test('one-shot output has hop samples per mel frame, in [-1, 1]', () => {
  const { samples } = vocodeChunked(voc, mel, frames, spec.nMels, [frames], 7);
  assert.is(samples.length, frames * hop);
  assert.ok(samples.every((v) => v >= -1 && v <= 1));
  assert.ok(samples.some((v) => v !== 0), 'not all silence');
});

test('chunked output equals one-shot output for the same seed (seamless joins)', () => {
  const whole = vocodeChunked(voc, mel, frames, spec.nMels, [frames], 7).samples;
  for (const sizes of [[5], [1, 7, 3], [12, 2]]) {
    const chunked = vocodeChunked(voc, mel, frames, spec.nMels, sizes, 7).samples;
    assert.is(chunked.length, whole.length, `chunks ${sizes}`);
    assert.ok(chunked.every((v, i) => v === whole[i]), `chunks ${sizes}: samples differ`);
  }
});

test('first samples come out after the first chunk, lagging by the context only', () => {
  const context = manifest.vocoder!.context as number;
  const { firstChunkSamples } = vocodeChunked(voc, mel, frames, spec.nMels, [10], 7);
  assert.is(firstChunkSamples, (10 - context - 1) * hop);
});

test('same seed gives the same samples, another seed other samples', () => {
  const a = vocodeChunked(voc, mel, frames, spec.nMels, [frames], 1).samples;
  const b = vocodeChunked(voc, mel, frames, spec.nMels, [frames], 1).samples;
  const c = vocodeChunked(voc, mel, frames, spec.nMels, [frames], 2).samples;
  assert.equal(a, b);
  assert.ok(a.some((v, i) => v !== c[i]));
});

test('a batch of streams gives each stream what it gets alone', () => {
  const first = (seed: number) => ({ mel: mel.slice(0, 8 * spec.nMels), frames: 8, final: false, state: null, seed });
  const alone = [3, 4, 5].map((s) => voc.vocode(first(s)).samples);
  const batch = voc.vocodeBatch([3, 4, 5].map(first)).map((r) => r.samples);
  batch.forEach((s, i) => assert.equal(s, alone[i]));
});

test('bad requests get coded errors', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return err instanceof VocoderError ? err.code : `not a VocoderError: ${err}`;
    }
    return 'no error';
  };
  assert.is(code(() => voc.vocode({ mel: new Float32Array(79), frames: 1, final: true, state: null, seed: 0 })), 'vocoder_bad_request');
  assert.is(code(() => voc.vocode({ mel: new Float32Array(80).fill(NaN), frames: 1, final: true, state: null, seed: 0 })), 'vocoder_bad_request');
  assert.is(code(() => voc.vocode({ mel: new Float32Array(80), frames: 1, final: false, state: new Uint8Array(60), seed: 0 })), 'vocoder_bad_state');
  const gl = voc.vocode({ mel: mel.slice(0, 10 * 80), frames: 10, final: false, state: null, seed: 0, engine: 'griffin-lim' });
  assert.is(code(() => voc.vocode({ mel: new Float32Array(80), frames: 1, final: false, state: gl.state, seed: 0 })), 'vocoder_bad_state');
  const ok = voc.vocode({ mel: mel.slice(0, 10 * 80), frames: 10, final: false, state: null, seed: 0 });
  const tampered = ok.state.slice();
  new DataView(tampered.buffer).setUint32(36, 9, true); // blocks emitted: 9 of 10 frames, but the tail says 6
  assert.is(code(() => voc.vocode({ mel: new Float32Array(80), frames: 1, final: false, state: tampered, seed: 0 })), 'vocoder_bad_state');
  // The prediction's history (after h1 and h2 in the state's vector) holds decoded samples, in [-1, 1].
  const { hidden1, hidden2 } = manifest.vocoder as { hidden1: number; hidden2: number };
  const loud = ok.state.slice();
  new DataView(loud.buffer).setFloat32(80 + 4 * (hidden1 + hidden2), 3, true);
  assert.is(code(() => voc.vocode({ mel: new Float32Array(80), frames: 1, final: false, state: loud, seed: 0 })), 'vocoder_bad_state');
  const done = voc.vocode({ mel: mel.slice(0, 10 * 80), frames: 10, final: true, state: null, seed: 0 });
  assert.is(code(() => voc.vocode({ mel: new Float32Array(80), frames: 1, final: true, state: done.state, seed: 0 })), 'vocoder_bad_state');
});

test.after(() => voc.release());
test.run();
