import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultModelsDir, loadManifest, ManifestError, resolveModelsDir } from '../../../src/pipeline/runtime/modelManifest.js';

const repoModels = defaultModelsDir();

/** A copy of the repo's manifest pointing at small made-up files, written into a fresh temp dir. */
function fixtureDir(edit: (manifest: any, dir: string) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'clonecast-manifest-'));
  const manifest = JSON.parse(readFileSync(join(repoModels, 'manifest.json'), 'utf8'));
  const entry = (name: string) => {
    const bytes = Buffer.from(`contents of ${name}`);
    writeFileSync(join(dir, name), bytes);
    return { file: name, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
  };
  manifest.encoder.file = entry('encoder.onnx');
  manifest.synthesizer.encoder.file = entry('synth_encoder.onnx');
  manifest.synthesizer.decoder.file = entry('synth_decoder.onnx');
  delete manifest.vocoder;
  edit(manifest, dir);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

async function problemsOf(dir: string): Promise<readonly string[]> {
  try {
    await loadManifest(dir);
  } catch (err) {
    assert.instance(err, ManifestError);
    assert.is((err as ManifestError).code, 'models_invalid');
    return (err as ManifestError).problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error('loadManifest accepted an invalid directory');
}

test('loads the repository models and verifies every file', async () => {
  const m = await loadManifest(repoModels);
  assert.is(m.encoder.embeddingDim, 256);
  assert.is(m.features[m.synthesizer.features].nMels, 80);
  assert.ok(m.files.length >= 3);
  for (const f of m.files) assert.ok(f.path.startsWith(repoModels), f.path);
});

test('accepts a well-formed directory of made-up files', async () => {
  const dir = fixtureDir();
  const m = await loadManifest(dir);
  assert.is(m.synthesizer.decoder.file.path, join(dir, 'synth_decoder.onnx'));
  rmSync(dir, { recursive: true, force: true });
});

test('a missing model file is named', async () => {
  const problems = await problemsOf(fixtureDir((_m, dir) => rmSync(join(dir, 'synth_decoder.onnx'))));
  assert.is(problems.length, 1);
  assert.match(problems[0], /synth_decoder\.onnx: missing/);
});

test('a bad checksum names the file and both digests', async () => {
  const problems = await problemsOf(fixtureDir((m) => {
    m.encoder.file.sha256 = 'a'.repeat(64);
  }));
  assert.is(problems.length, 1);
  assert.match(problems[0], /encoder\.onnx: sha256 mismatch \(file [0-9a-f]{64}, manifest a{64}\)/);
});

test('a size mismatch is reported before hashing', async () => {
  const problems = await problemsOf(fixtureDir((m) => {
    m.synthesizer.encoder.file.bytes += 1;
  }));
  assert.match(problems[0], /synth_encoder\.onnx: size \d+ bytes, manifest says \d+/);
});

test('bad JSON names manifest.json', async () => {
  const dir = fixtureDir();
  writeFileSync(join(dir, 'manifest.json'), '{"format": "clonecast-models/1",');
  const problems = await problemsOf(dir);
  assert.match(problems[0], /manifest\.json: invalid JSON/);
});

test('a missing manifest names the path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clonecast-manifest-'));
  const problems = await problemsOf(dir);
  assert.match(problems[0], /manifest\.json: cannot read \(ENOENT\)/);
});

test('every structural problem is reported at once', async () => {
  const problems = await problemsOf(fixtureDir((m) => {
    m.format = 'other/2';
    m.encoder.partialFrames = 0;
    m.synthesizer.family = 'tacotron-9';
    m.features.synthMel.power = 3;
  }));
  assert.ok(problems.some((p) => /format: must be "clonecast-models\/1"/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /encoder\.partialFrames: must be a positive integer/.test(p)));
  assert.ok(problems.some((p) => /synthesizer\.family: unsupported family "tacotron-9" \(supported: clonecast-durtts\)/.test(p)));
  assert.ok(problems.some((p) => /features\.synthMel: power must be 1 or 2/.test(p)));
});

test('file names cannot leave the models directory', async () => {
  const problems = await problemsOf(fixtureDir((m) => {
    m.encoder.file.file = '../outside.onnx';
  }));
  assert.match(problems.join('\n'), /outside\.onnx \(encoder\.file\): file name must be a plain name/);
});

test('CLONECAST_MODELS selects the directory unless one is given', () => {
  const saved = process.env.CLONECAST_MODELS;
  process.env.CLONECAST_MODELS = '/tmp/some-models';
  assert.is(resolveModelsDir(), '/tmp/some-models');
  assert.is(resolveModelsDir('/srv/m'), '/srv/m');
  if (saved === undefined) delete process.env.CLONECAST_MODELS;
  else process.env.CLONECAST_MODELS = saved;
});

test.run();
