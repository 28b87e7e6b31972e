import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SentenceBuffer } from '../../../src/pipeline/text/sentenceBuffer.js';

/** Feeds `pieces` one by one; returns what each push released and what flush released. */
function feed(pieces: readonly string[], buffer = new SentenceBuffer()): { perPush: string[][]; flushed: string[] } {
  const perPush = pieces.map((p) => buffer.push(p));
  return { perPush, flushed: buffer.flush() };
}

test('releases a sentence once the text after its full stop shows it ended', () => {
  const { perPush, flushed } = feed(['Hello there', '.', ' How', ' are you?', ' Fine']);
  assert.equal(perPush, [[], [], ['Hello there.'], [], ['How are you?']]);
  assert.equal(flushed, ['Fine']);
});

test('? and ! end a sentence like a full stop, not before a lowercase word', () => {
  assert.equal(feed(['Really? ', 'Yes! ', 'Ok']).perPush, [[], ['Really?'], ['Yes!']]);
  assert.equal(feed(['"Why?" she asked. ', 'Nobody']).perPush, [[], ['"Why?" she asked.']]);
});

test('a newline ends a sentence at once', () => {
  assert.equal(feed(['First line\nSecond']).perPush, [['First line']]);
});

test('splitting text into any pieces gives the same sentences', () => {
  const text = 'Dr. Smith paid $3.50 for it. "Is that all?" she asked. E.g. this stays whole! Then... silence. Done';
  const whole = feed([text]);
  const expected = [...whole.perPush.flat(), ...whole.flushed];
  assert.equal(expected, ['Dr. Smith paid $3.50 for it.', '"Is that all?" she asked.', 'E.g. this stays whole!', 'Then... silence.', 'Done']);
  for (const size of [1, 2, 3, 5, 8]) {
    const pieces = text.match(new RegExp(`[^]{1,${size}}`, 'g'))!;
    const got = feed(pieces);
    assert.equal([...got.perPush.flat(), ...got.flushed], expected, `pieces of ${size}`);
  }
});

test('does not split after abbreviations, initials, decimals, or before a lowercase word', () => {
  const { perPush, flushed } = feed(['Mr. Jones met J. R. Smith at 3.5 p.m. and etc. they left. Bye.']);
  assert.equal(perPush, [['Mr. Jones met J. R. Smith at 3.5 p.m. and etc. they left.']]);
  assert.equal(flushed, ['Bye.']);
});

test('keeps closing quotes and brackets with their sentence', () => {
  assert.equal(feed(['He said "stop." (Then he left.) Next']).perPush, [['He said "stop."', '(Then he left.)']]);
});

test('a terminator at the end is held until the next piece or flush', () => {
  const buffer = new SentenceBuffer();
  assert.equal(buffer.push('Wait.'), []);
  assert.is(buffer.pending, 'Wait.');
  assert.equal(buffer.flush(), ['Wait.']);
  assert.is(buffer.pending, '');
});

test('cuts an unpunctuated stream at a comma or space before maxChars', () => {
  const buffer = new SentenceBuffer({ maxChars: 20 });
  assert.equal(buffer.push('one two three, four five six seven eight'), ['one two three,', 'four five six seven']);
  assert.equal(buffer.flush(), ['eight']);
});

test('drops pieces with nothing to say', () => {
  const { perPush, flushed } = feed(['... ', '?! ', 'Real words. ', '\u2014\n', '   ']);
  assert.equal([...perPush.flat(), ...flushed], ['Real words.']);
});

test('rejects a maxChars that is not a positive integer', () => {
  assert.throws(() => new SentenceBuffer({ maxChars: 0 }), RangeError);
});

test.run();
