import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadManifest } from '../../src/pipeline/runtime/modelManifest.js';
import { servedVocoder } from '../../src/pipeline/voicePipeline.js';
import type { ModelManifest } from '../../src/pipeline/runtime/modelManifest.js';

test('the embedded models name the vocoder they serve, and it is one the engines know', async () => {
  const manifest = await loadManifest();
  const engine = servedVocoder(manifest);
  assert.ok(engine === 'default' || engine === 'griffin-lim');
  assert.is(engine === 'griffin-lim', manifest.vocoder?.servedEngine === 'griffin-lim');
});

test('a model directory without vocoder weights serves Griffin-Lim; servedEngine picks between the two', async () => {
  const manifest = await loadManifest();
  assert.is(servedVocoder({ ...manifest, vocoder: undefined }), 'griffin-lim');
  const withVocoder = (servedEngine: unknown): ModelManifest => ({ ...manifest, vocoder: { ...manifest.vocoder!, servedEngine } });
  assert.is(servedVocoder(withVocoder('griffin-lim')), 'griffin-lim');
  assert.is(servedVocoder(withVocoder('wavernn')), 'default');
  assert.is(servedVocoder(withVocoder(undefined)), 'default');
});

test.run();
