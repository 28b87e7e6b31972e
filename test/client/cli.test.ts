import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readWav } from '../../src/pipeline/audio/wav.js';
import { startServer, type RunningServer } from '../../src/server/index.js';

const REFERENCE = fileURLToPath(new URL('../../../test/fixtures/audio/reference_16k.wav', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/client/cli.js', import.meta.url));
const run = promisify(execFile);

const dataDir = mkdtempSync(join(tmpdir(), 'clonecast-cli-'));
let server: RunningServer;
let url: string;

test.before(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir, workers: 2 });
  await server.ready;
  url = `ws://127.0.0.1:${server.port}`;
});

test.after(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('clonecast say clones from a WAV and writes a 16 kHz WAV with --json figures', async () => {
  const out = join(dataDir, 'say.wav');
  const { stdout } = await run(process.execPath, [CLI, 'say', '--server', url, '--voice', REFERENCE, '--text', 'Hello there.', '--out', out, '--json']);
  const figures = JSON.parse(stdout.trim());
  assert.equal(Object.keys(figures).sort(), ['audioSeconds', 'embeddingWindows', 'rtf', 'ttfaMs']);
  assert.ok(figures.ttfaMs > 0 && Number.isFinite(figures.ttfaMs));
  assert.ok(figures.embeddingWindows >= 2);
  const wav = readWav(readFileSync(out));
  assert.is(wav.sampleRate, 16000);
  assert.is(wav.channels.length, 1);
  assert.ok(Math.abs(wav.channels[0].length / 16000 - figures.audioSeconds) < 0.01);
  let energy = 0;
  for (const v of wav.channels[0]) energy += v * v;
  assert.ok(energy > 0, 'the WAV holds sound, not silence');
});

test('clonecast exits 2 on bad usage and 1 with the error code when the server is unreachable', async () => {
  const usage = await run(process.execPath, [CLI, 'say', '--text', 'Hi.']).then(() => null, (err) => err);
  assert.is(usage.code, 2);
  assert.match(usage.stderr, /--server is required/);
  const down = await run(process.execPath, [CLI, 'say', '--server', 'ws://127.0.0.1:1', '--voice', REFERENCE, '--text', 'Hi.', '--out', join(dataDir, 'x.wav')]).then(() => null, (err) => err);
  assert.is(down.code, 1);
  assert.match(down.stderr, /clonecast: closed: cannot connect/);
});

test('clonecast resynth turns a recording into vocoder audio of the same length', async () => {
  const out = join(dataDir, 'resynth.wav');
  const { stdout } = await run(process.execPath, [CLI, 'resynth', '--in', REFERENCE, '--out', out]);
  assert.match(stdout, /^wrote .*resynth\.wav: \d+\.\d+ s with the [a-z-]+ vocoder/);
  const input = readWav(readFileSync(REFERENCE));
  const output = readWav(readFileSync(out));
  assert.is(output.sampleRate, 16000);
  assert.ok(Math.abs(output.channels[0].length - input.channels[0].length) <= 800, `${output.channels[0].length} vs ${input.channels[0].length} samples`);
});

test('clonecast resynth reports a bad input with its code', async () => {
  const notWav = join(dataDir, 'not.wav');
  writeFileSync(notWav, 'hello\n');
  const err = await run(process.execPath, [CLI, 'resynth', '--in', notWav, '--out', join(dataDir, 'y.wav')]).then(() => null, (e) => e);
  assert.is(err.code, 1);
  assert.match(err.stderr, /^clonecast: invalid_wav: /);
});

test.run();
