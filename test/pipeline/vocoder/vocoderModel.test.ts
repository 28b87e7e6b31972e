/** The manifest's vocoder section checks (src/pipeline/vocoder/vocoderModel.ts), on the real models/ section. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VocoderError } from '../../../src/pipeline/vocoder/errors.js';
import { loadVocoderModel } from '../../../src/pipeline/vocoder/vocoderModel.js';
import { MODELS_DIR, readManifest } from './helpers.js';

const section = readManifest().vocoder! as Record<string, unknown>;

/** The VocoderError loadVocoderModel throws for `changed` (a copy of the section with some fields replaced). */
function rejection(changed: Record<string, unknown>): VocoderError {
  try {
    loadVocoderModel({ ...section, ...changed }, MODELS_DIR);
  } catch (err) {
    if (err instanceof VocoderError) return err;
    throw err;
  }
  throw new Error('accepted');
}

test('loads the installed section with its linear prediction settings and embed_pred', () => {
  const model = loadVocoderModel(section, MODELS_DIR);
  assert.equal(model.lpc, section.lpc);
  assert.is(model.dims.lpcOrder, (section.lpc as { order: number }).order);
  assert.is(model.weights.embedPred.length, model.dims.classes * 2 * model.dims.hidden1);
  assert.ok(model.weights.embedPred.some((v, i) => v !== model.weights.embed[i]), 'embed_pred is its own tensor');
});

test('a section from before linear prediction (no lpc) is a bad model that says so', () => {
  const err = rejection({ lpc: undefined });
  assert.is(err.code, 'vocoder_bad_model');
  assert.match(err.message, /vocoder\.lpc must be an object/);
  assert.match(err.message, /re-export/);
});

test('every bad lpc field is named at once', () => {
  const err = rejection({ lpc: { order: 0, lagWindowHz: 'wide', noiseFloor: -1 } });
  assert.is(err.code, 'vocoder_bad_model');
  for (const field of ['order', 'lagWindowHz', 'noiseFloor']) assert.match(err.message, `vocoder.lpc.${field}`);
});

test('a weights layout without embed_pred is a bad model naming the tensor', () => {
  const { embed_pred: _, ...tensors } = section.tensors as Record<string, unknown>;
  const err = rejection({ tensors });
  assert.is(err.code, 'vocoder_bad_model');
  assert.match(err.message, /tensor embed_pred: shape undefined, expected \[512, 512\]/);
});

test.run();
