import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { englishCleaners, expandNumbers, toAscii } from '../../../src/pipeline/rtvc/englishCleaners.js';
import { cardinalWords, rtvcNumberWords } from '../../../src/pipeline/rtvc/inflectNumbers.js';
import { textToSequence } from '../../../src/pipeline/rtvc/textToSequence.js';
import { rtvcFixture, rtvcGolden } from '../../helpers/rtvcFixtures.js';

const meta = JSON.parse(readFileSync(rtvcFixture('meta.json'), 'utf8')) as { synthesizer: { texts: string[]; cleaned: string[]; ids: number[][] } };
const SYMBOLS = ['_', '~', ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!\'"(),-.:;? '];
const table = { symbols: SYMBOLS, padId: 0, eosId: 1 };

test('cleans both fixture texts exactly as RTVC did (numbers, money, ordinals, years, abbreviations, unicode)', () => {
  assert.equal(meta.synthesizer.texts.map((t) => englishCleaners(t.trim())), meta.synthesizer.cleaned);
});

test('symbol ids equal RTVC text_to_sequence, ending in EOS id 1', () => {
  const g = rtvcGolden('synthesizer_golden.npz');
  meta.synthesizer.texts.forEach((text, j) => {
    const ids = Array.from(textToSequence(text, table).ids);
    assert.equal(ids, meta.synthesizer.ids[j]);
    assert.equal(ids, Array.from(g[`text${j}_ids`].data as BigInt64Array, Number));
  });
});

test('characters outside the table, and the pad and EOS symbols, are dropped', () => {
  assert.equal(Array.from(textToSequence('a_~#b', table).ids), [28, 29, 1]);
});

test('inflect-style number words', () => {
  assert.is(cardinalWords('12345', ''), 'twelve thousand, three hundred forty-five');
  assert.is(cardinalWords('1005'), 'one thousand and five');
  assert.is(cardinalWords('0'), 'zero');
  assert.is(rtvcNumberWords('1905'), 'nineteen oh five');
  assert.is(rtvcNumberWords('2005'), 'two thousand five');
  assert.is(rtvcNumberWords('1800'), 'eighteen hundred');
  assert.is(rtvcNumberWords('3000'), 'three thousand');
  assert.is(expandNumbers('the 21st and 3.5'), 'the twenty-first and three point five');
  assert.is(expandNumbers('$1'), 'one dollar');
});

test('transliteration to ASCII', () => {
  assert.is(toAscii('café — “quoted” naïve £5'), 'cafe -- "quoted" naive PS5');
});

test.run();
