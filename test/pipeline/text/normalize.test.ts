import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasLetters, normalizeEnglish } from '../../../src/pipeline/text/normalize.js';
import { cardinal, integerWords, ordinal, year } from '../../../src/pipeline/text/numberWords.js';

/** Written by training/clonecast_train/synthesizer/text_fixture.py from text.py (the Python twin). */
interface Fixture {
  readonly normalizer: string;
  readonly symbols: readonly string[];
  readonly cases: readonly { readonly input: string; readonly normalized: string; readonly speakable: boolean; readonly ids: readonly number[] }[];
}
const fixture: Fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../../test/fixtures/text/english-v1.json', import.meta.url)), 'utf8'),
);

test('the fixture is english-v1 and has many cases', () => {
  assert.is(fixture.normalizer, 'english-v1');
  assert.ok(fixture.cases.length >= 100);
});

test('normalizeEnglish matches the Python normaliser on every fixture case', () => {
  const mismatches = fixture.cases
    .map((c) => ({ input: c.input, python: c.normalized, ts: normalizeEnglish(c.input) }))
    .filter((m) => m.python !== m.ts);
  assert.equal(mismatches, []);
});

test('hasLetters agrees with the Python side on which texts are speakable', () => {
  for (const c of fixture.cases) assert.is(hasLetters(c.normalized), c.speakable, c.input);
});

test('normalised text only uses characters of the symbol table', () => {
  const allowed = new Set(fixture.symbols.slice(1));
  for (const c of fixture.cases) {
    for (const ch of normalizeEnglish(c.input)) assert.ok(allowed.has(ch), `${JSON.stringify(ch)} from ${JSON.stringify(c.input)}`);
  }
});

test('reads numbers the way a person would', () => {
  assert.is(cardinal(0), 'zero');
  assert.is(cardinal(115), 'one hundred fifteen');
  assert.is(cardinal(2_000_019), 'two million nineteen');
  assert.is(ordinal(40), 'fortieth');
  assert.is(ordinal(1_000_002), 'one million second');
  assert.is(year(1066 + 800), 'eighteen sixty six');
  assert.is(integerWords('0042'), 'zero zero four two');
});

test('a normalised sentence is stable under normalising again', () => {
  for (const c of fixture.cases) assert.is(normalizeEnglish(c.normalized), c.normalized, c.input);
});

test.run();
