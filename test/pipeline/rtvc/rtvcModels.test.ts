import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultModelsDir, ManifestError } from '../../../src/pipeline/runtime/modelManifest.js';
import { isRtvcModelsDir, readRtvcManifest } from '../../../src/pipeline/rtvc/rtvcModels.js';
import { createVoicePipeline } from '../../../src/pipeline/voicePipeline.js';
import { smallRtvcModels } from '../../helpers/rtvcFixtures.js';

const root = mkdtempSync(join(tmpdir(), 'clonecast-rtvc-models-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

function copy(name: string): string {
  const dir = join(root, name);
  cpSync(smallRtvcModels(), dir, { recursive: true });
  return dir;
}

test('an imported directory is recognised as RTVC; the embedded models are not', () => {
  assert.ok(isRtvcModelsDir(smallRtvcModels()));
  assert.not.ok(isRtvcModelsDir(defaultModelsDir()));
  assert.not.ok(isRtvcModelsDir(join(root, 'nowhere')));
});

test('the manifest gives the dimensions read from the checkpoints', () => {
  const m = readRtvcManifest(smallRtvcModels());
  assert.equal([m.tacotron.r, m.tacotron.decoderDims, m.tacotron.lstmDims, m.tacotron.contextDims], [2, 64, 128, 288]);
  assert.equal([m.wavernn.rnnDims, m.wavernn.hop, m.wavernn.classes, m.wavernn.context], [64, 200, 512, 3]);
  assert.is(m.symbols.symbols.length, 66);
});

test('a damaged graph is named, and the pipeline refuses the directory with models_invalid', async () => {
  const dir = copy('damaged');
  const step = join(dir, 'rtvc_tacotron_step.onnx');
  const bytes = readFileSync(step);
  bytes[bytes.length - 1] ^= 0xff;
  writeFileSync(step, bytes);
  try {
    readRtvcManifest(dir);
    assert.unreachable('must throw');
  } catch (err) {
    assert.instance(err, ManifestError);
    assert.match((err as ManifestError).problems.join('\n'), /rtvc_tacotron_step\.onnx: sha256 mismatch/);
  }
  const pipeline = createVoicePipeline({ modelsDir: dir });
  const failure = await pipeline.ready.then(() => null, (e: { code?: string }) => e);
  assert.is(failure?.code, 'models_invalid');
  await pipeline.close();
});

test('the served graphs default to RTVC\'s float32; an int8 loop without its frame-rate upsampler (an older import) is refused, naming the fix', () => {
  const m = readRtvcManifest(smallRtvcModels());
  assert.equal([m.servedLoop, m.servedDecoder], ['float32', 'float32']);
  const dir = copy('older-int8');
  const raw = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  raw.vocoder.servedLoop = 'int8';
  delete raw.vocoder.upsampleInt8;
  raw.synthesizer.servedDecoder = 'int8';
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(raw));
  try {
    readRtvcManifest(dir);
    assert.unreachable('must throw');
  } catch (err) {
    assert.instance(err, ManifestError);
    assert.match((err as ManifestError).problems.join('\n'), /vocoder\.servedLoop "int8" needs vocoder\.upsampleInt8 .*import it again/);
  }
  raw.vocoder.upsampleInt8 = JSON.parse(readFileSync(join(smallRtvcModels(), 'manifest.json'), 'utf8')).vocoder.upsampleInt8;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(raw));
  assert.equal([readRtvcManifest(dir).servedLoop, readRtvcManifest(dir).servedDecoder], ['int8', 'int8']);
});

test.run();
