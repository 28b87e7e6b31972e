import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtocolError } from '../../src/server/errors.js';
import { createVoiceStore } from '../../src/server/voiceStore.js';

const embedding = Float32Array.from({ length: 8 }, (_, i) => Math.sin(i + 0.5) / 2);
const expect8 = { embeddingDim: 8, encoder: 'enc-a' };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'clonecast-voices-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, ProtocolError);
    return (err as ProtocolError).code;
  }
  throw new Error('expected a ProtocolError');
}

test('a saved voice loads back exactly, from a new store on the same directory', () =>
  withDir(async (dir) => {
    const saved = await createVoiceStore(dir).save({ name: 'me', embedding, windows: 3, speechSeconds: 3.2, encoder: 'enc-a' });
    assert.match(saved.id, /^[A-Za-z0-9_-]{21}$/);
    const loaded = await createVoiceStore(dir).load(saved.id, expect8);
    assert.equal([...loaded.embedding], [...embedding]);
    assert.is(loaded.name, 'me');
    assert.is(loaded.windows, 3);
    assert.equal(await readdir(join(dir, 'voices')), [`${saved.id}.json`]); // no temp files left behind
  }));

test('ids are unique per save', () =>
  withDir(async (dir) => {
    const store = createVoiceStore(dir);
    const a = await store.save({ name: null, embedding, windows: 1, speechSeconds: 1.6, encoder: null });
    const b = await store.save({ name: null, embedding, windows: 1, speechSeconds: 1.6, encoder: null });
    assert.is.not(a.id, b.id);
  }));

test('unknown, malformed and path-like ids are unknown_voice', () =>
  withDir(async (dir) => {
    const store = createVoiceStore(dir);
    assert.is(await codeOf(store.load('AAAAAAAAAAAAAAAAAAAAA', expect8)), 'unknown_voice');
    assert.is(await codeOf(store.load('../../../../etc/passwd', expect8)), 'unknown_voice');
    assert.is(await codeOf(store.load('', expect8)), 'unknown_voice');
  }));

test('a voice of another embedding size or another encoder is voice_incompatible', () =>
  withDir(async (dir) => {
    const store = createVoiceStore(dir);
    const saved = await store.save({ name: null, embedding, windows: 1, speechSeconds: 1.6, encoder: 'enc-a' });
    assert.is(await codeOf(store.load(saved.id, { embeddingDim: 256, encoder: 'enc-a' })), 'voice_incompatible');
    assert.is(await codeOf(store.load(saved.id, { embeddingDim: 8, encoder: 'enc-b' })), 'voice_incompatible');
  }));

test('a corrupt voice file is a plain Error naming the voice, not a protocol error', () =>
  withDir(async (dir) => {
    const store = createVoiceStore(dir);
    const saved = await store.save({ name: null, embedding, windows: 1, speechSeconds: 1.6, encoder: null });
    const path = join(dir, 'voices', `${saved.id}.json`);
    const body = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...body, embedding: ['x'] }));
    try {
      await store.load(saved.id, expect8);
      assert.unreachable();
    } catch (err) {
      assert.not.instance(err, ProtocolError);
      assert.match((err as Error).message, saved.id);
    }
  }));

test.run();
