/**
 * Process-level faults with a real `clonecast serve` child: SIGTERM drains (stops accepting,
 * finishes the in-flight utterance, closes with 1001, exits 0), and kill -9 while voices are being
 * saved leaves no corrupt voice: every acknowledged voice loads after a restart, every file in the
 * store is a complete voice, and the interrupted saves' temp files are swept.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { pcmBytes, referencePcm, startTestServer } from '../server/serverFixtures.js';
import { TestClient } from '../server/wsTestClient.js';
import { spawnServer } from './serverProcess.js';

const LONG_TEXT =
  'This is the first sentence of a long answer. Here comes the second sentence of it. ' +
  'The third sentence keeps the synthesizer busy. And the fourth one ends the answer.';

async function enroll(c: TestClient): Promise<void> {
  c.json({ type: 'start', audio: { sampleRate: 16000 } });
  await c.next('started');
  c.binary(pcmBytes(referencePcm().pcm, 0, 16000 * 4));
  c.json({ type: 'enroll.end' });
  await c.next('ready');
}

/** Resolves with how a new WebSocket connection attempt ends: 'open', or the error's message. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/stream`);
    ws.on('open', () => {
      ws.terminate();
      resolve('open');
    });
    ws.on('error', (err) => resolve(err.message));
  });
}

test('SIGTERM: refuses new work, finishes the playing utterance, closes 1001, exits 0', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'clonecast-sigterm-'));
  // A grace far beyond the utterance, so a loaded machine cannot turn "finishes" into "cut at the bound".
  const proc = await spawnServer(dataDir, ['--shutdown-grace-ms', '120000']);
  try {
    const speaker = await TestClient.connect(proc.port);
    const idle = await TestClient.connect(proc.port);
    await enroll(speaker);
    speaker.json({ type: 'speak', id: 'long', text: LONG_TEXT });
    const { utterance } = await speaker.next('queued');
    await speaker.until(() => speaker.frames(utterance).length > 0);
    proc.child.kill('SIGTERM');
    // Once a new connection is refused the server is draining; the playing utterance goes on. A
    // connection already in the accept queue when the listener closes is reset instead of refused.
    let attempt = 'open';
    while (attempt === 'open') attempt = await tryConnect(proc.port);
    assert.match(attempt, /ECONNREFUSED|ECONNRESET|socket hang up|503/, `a new connection while draining: ${attempt}`);
    speaker.json({ type: 'speak', id: 'late', text: 'Too late.' });
    const late = await speaker.next('error');
    assert.equal([late.code, late.id], ['shutting_down', 'late']);
    const done = await speaker.next('done');
    assert.equal([done.id, done.outcome], ['long', 'completed']);
    const frames = speaker.frames(utterance);
    assert.ok(frames[frames.length - 1].last, 'the drained utterance ends with its last frame');
    assert.is(await speaker.closed, 1001);
    assert.is(await idle.closed, 1001);
    const exit = await proc.exited;
    assert.equal(exit, { code: 0, signal: null }, proc.output());
  } finally {
    proc.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('kill -9 during voice.save leaves no corrupt voice; acknowledged voices survive', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'clonecast-kill9-'));
  const proc = await spawnServer(dataDir);
  const acknowledged: string[] = [];
  try {
    const c = await TestClient.connect(proc.port);
    await enroll(c);
    for (let i = 0; i < 300; i += 1) c.json({ type: 'voice.save', name: `v${i}` });
    await c.until(() => c.all('voice.saved').length >= 20);
    proc.child.kill('SIGKILL');
    await proc.exited;
    acknowledged.push(...c.all('voice.saved').map((m) => m.voice as string));
  } finally {
    proc.child.kill('SIGKILL');
  }
  const voicesDir = join(dataDir, 'voices');
  const before = await readdir(voicesDir);
  const temps = before.filter((n) => n.endsWith('.tmp')).length;
  // Every complete-looking voice file parses; its name is its id.
  for (const name of before.filter((n) => n.endsWith('.json'))) {
    const v = JSON.parse(await readFile(join(voicesDir, name), 'utf8'));
    assert.is(`${v.id}.json`, name);
    assert.ok(Array.isArray(v.embedding) && v.embedding.length > 0);
  }
  // The kill lands between open and rename only sometimes: plant one half-written save as well.
  await writeFile(join(voicesDir, 'AAAAAAAAAAAAAAAAAAAAA.json.BBBBBBBB.tmp'), '{"format":"clonecast-voice/1","id":"AAAA');
  const ts = await startTestServer({ dataDir });
  try {
    const after = await readdir(voicesDir);
    assert.is(after.filter((n) => n.endsWith('.tmp')).length, 0, `temp files of interrupted saves are swept (${temps + 1} were left)`);
    assert.not.ok(after.includes('AAAAAAAAAAAAAAAAAAAAA.json'), 'a half-written save never becomes a voice');
    assert.ok(acknowledged.length >= 20);
    for (const id of acknowledged) {
      assert.ok(after.includes(`${id}.json`), `acknowledged voice ${id} is on disk`);
    }
    // Acknowledged voices and any voice written just before the kill all load and speak.
    const ids = after.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5));
    for (const id of [acknowledged[0], acknowledged[acknowledged.length - 1], ids[ids.length - 1]]) {
      const c = await TestClient.connect(ts.server.port);
      c.json({ type: 'start', voice: id });
      assert.is((await c.next('started')).state, 'ready');
      c.close();
    }
  } finally {
    await ts.stop();
  }
});

test.run();
