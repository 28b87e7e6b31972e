import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProtocolError } from '../../src/server/errors.js';
import { Utterance } from '../../src/server/utterance.js';
import { SentenceBuffer } from '../../src/pipeline/text/index.js';

const sentences = () => new SentenceBuffer();

test('streamed pieces release sentences as they complete, the rest on final', async () => {
  const u = new Utterance('u1', 0, sentences(), 100);
  u.append('Hello the', false);
  let got: string | null | undefined;
  const next = u.nextSentence().then((s) => (got = s));
  await Promise.resolve();
  assert.is(got, undefined); // waits for the sentence to complete
  u.append('re. How are', false);
  await next;
  assert.is(got, 'Hello there.');
  u.append(' you', true);
  assert.is(await u.nextSentence(), 'How are you');
  assert.is(await u.nextSentence(), null);
});

test('text after final is duplicate_id; text past the limit is text_too_long', () => {
  const u = new Utterance('u1', 0, sentences(), 10);
  assert.throws(() => u.append('x'.repeat(11), false), (e: unknown) => (e as ProtocolError).code === 'text_too_long');
  u.append('Hi.', true);
  assert.throws(() => u.append('more', true), (e: unknown) => (e as ProtocolError).code === 'duplicate_id');
});

test('cancel wakes a waiting player with null and aborts the signal', async () => {
  const u = new Utterance('u1', 0, sentences(), 100);
  const next = u.nextSentence();
  u.cancel();
  assert.is(await next, null);
  assert.ok(u.signal.aborted);
});

test.run();
