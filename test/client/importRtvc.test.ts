import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rtvcFixture } from '../helpers/rtvcFixtures.js';

const CLI = fileURLToPath(new URL('../../src/client/cli.js', import.meta.url));
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'clonecast-import-rtvc-'));
const small = { encoder: rtvcFixture('small_encoder.pt'), synthesizer: rtvcFixture('small_synthesizer.pt'), vocoder: rtvcFixture('small_vocoder.pt') };

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('clonecast import-rtvc converts the three checkpoints into a model directory (--int8-vocoder, --int8-decoder, --stream-folds)', async () => {
  const out = join(tmp, 'models');
  const { stdout } = await run(process.execPath, [CLI, 'import-rtvc', '--encoder', small.encoder, '--synthesizer', small.synthesizer,
    '--vocoder', small.vocoder, '--out', out, '--int8-vocoder', '--int8-decoder', '--stream-folds', '--json']);
  const result = JSON.parse(stdout.trim());
  assert.equal(result.parameters, { encoder: 1423616, synthesizer: 762305, vocoder: 118152 });
  assert.is(result.files.length, 10);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal([manifest.encoder.family, manifest.synthesizer.family, manifest.vocoder.family], ['rtvc-ge2e', 'rtvc-tacotron', 'rtvc-wavernn']);
  assert.is(manifest.vocoder.servedLoop, 'int8');
  assert.is(manifest.synthesizer.servedDecoder, 'int8');
  assert.is(manifest.vocoder.streamFolds.overlap, 400);
  for (const f of result.files) assert.ok(existsSync(join(out, f)), f);
});

test('a file that is not the named checkpoint is refused with a message naming it; nothing is written', async () => {
  const out = join(tmp, 'refused');
  const err = await run(process.execPath, [CLI, 'import-rtvc', '--encoder', small.vocoder, '--synthesizer', small.synthesizer,
    '--vocoder', small.vocoder, '--out', out]).then(() => null, (e: { code: number; stderr: string }) => e);
  assert.ok(err, 'the import must fail');
  assert.is(err!.code, 1);
  assert.match(err!.stderr, /rtvc_checkpoint_invalid/);
  assert.match(err!.stderr, /small_vocoder\.pt: given as the encoder checkpoint, but it holds an RTVC vocoder checkpoint/);
  assert.not.ok(existsSync(out));
});

test('missing flags are a usage error', async () => {
  const err = await run(process.execPath, [CLI, 'import-rtvc', '--encoder', small.encoder]).then(() => null, (e: { code: number; stderr: string }) => e);
  assert.is(err!.code, 2);
  assert.match(err!.stderr, /--synthesizer is required/);
});

test.run();
