/** `clonecast embed`: voice embeddings of WAV files with the served encoder, and their cosines. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { resample } from '../../src/pipeline/audio/resampler.js';
import { readWav, writeWav } from '../../src/pipeline/audio/wav.js';

const fixture = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const CLI = fileURLToPath(new URL('../../src/client/cli.js', import.meta.url));
const ESPEAK = fixture('test/fixtures/dsp/speech16k.wav');
const LIBRISPEECH = fixture('test/fixtures/audio/reference_16k.wav');
const PARITY = JSON.parse(readFileSync(fixture('test/fixtures/encoder/speech16k.embedding.json'), 'utf8'));
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'clonecast-embed-'));

async function embedJson(...files: string[]) {
  const { stdout } = await run(process.execPath, [CLI, 'embed', ...files.flatMap((f) => ['--in', f]), '--json']);
  return JSON.parse(stdout);
}

test('the embedding of a file equals the training code\'s whole-utterance embedding', async () => {
  const result = await embedJson(ESPEAK);
  assert.is(result.encoderId, PARITY.encoderSha256, 'fixture made for the installed encoder');
  const [file] = result.files;
  assert.is(file.windows, PARITY.windows);
  assert.is(file.embedding.length, PARITY.embedding.length);
  const maxDiff = Math.max(...file.embedding.map((v: number, i: number) => Math.abs(v - PARITY.embedding[i])));
  assert.ok(maxDiff < 1e-4, `max difference ${maxDiff}`);
});

test('the same recording at another rate in stereo stays the same voice; another speaker is farther', async () => {
  const wav = readWav(readFileSync(ESPEAK));
  const at22k = resample(wav.channels[0], 16000, 22050);
  const stereo = join(dir, 'espeak_22k_stereo.wav');
  writeFileSync(stereo, writeWav({ sampleRate: 22050, channels: [at22k, at22k] }));
  const { cosines, files } = await embedJson(ESPEAK, stereo, LIBRISPEECH);
  assert.is(files.length, 3);
  assert.ok(cosines[0][0] > 0.9999);
  assert.ok(cosines[0][1] > 0.95, `same audio resampled: ${cosines[0][1]}`);
  assert.ok(cosines[0][2] < cosines[0][1] - 0.1, `other speaker ${cosines[0][2]} vs same ${cosines[0][1]}`);
  assert.is(cosines[1][2], cosines[2][1]);
});

test('too little speech is a bad_audio error (exit 1), no file is a usage error (exit 2)', async () => {
  const short = join(dir, 'short.wav');
  writeFileSync(short, writeWav({ sampleRate: 16000, channels: [readWav(readFileSync(ESPEAK)).channels[0].slice(0, 8000)] }));
  const tooShort = await run(process.execPath, [CLI, 'embed', '--in', short]).then(() => null, (err) => err);
  assert.is(tooShort.code, 1);
  assert.match(tooShort.stderr, /bad_audio: .*short\.wav: 0\.\d+ s of speech, less than one 1\.6 s window/);
  const none = await run(process.execPath, [CLI, 'embed']).then(() => null, (err) => err);
  assert.is(none.code, 2);
  assert.match(none.stderr, /--in is required/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
