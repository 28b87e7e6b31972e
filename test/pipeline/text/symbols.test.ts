import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SymbolTable, TextError } from '../../../src/pipeline/text/symbols.js';

const root = (rel: string): string => fileURLToPath(new URL(`../../../../${rel}`, import.meta.url));
const fixture = JSON.parse(readFileSync(root('test/fixtures/text/english-v1.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(root('models/manifest.json'), 'utf8'));

test('the installed synthesizer uses the symbols and normaliser of the fixture', () => {
  assert.equal(manifest.synthesizer.symbols, fixture.symbols);
  assert.is(manifest.synthesizer.text.normalizer, fixture.normalizer);
});

test('encode gives the ids the Python side gives, for every speakable case', () => {
  const table = new SymbolTable(fixture.symbols, fixture.normalizer);
  for (const c of fixture.cases) {
    if (!c.speakable) continue;
    const seq = table.encode(c.input);
    assert.is(seq.text, c.normalized, c.input);
    assert.equal(seq.ids, c.ids, c.input);
  }
});

test('text with nothing speakable is refused with no_speakable_text', () => {
  const table = new SymbolTable(fixture.symbols, 'english-v1');
  for (const text of ['', '   ', '...', '?!', '\u65e5\u672c\u8a9e', '\u2014']) {
    assert.is(table.isSpeakable(text), false, text);
    try {
      table.encode(text);
      assert.unreachable(`encode(${JSON.stringify(text)}) should throw`);
    } catch (err) {
      assert.instance(err, TextError);
      assert.is((err as TextError).code, 'no_speakable_text');
    }
  }
  assert.ok(table.isSpeakable('123'));
});

test('an unknown normaliser or an incomplete symbol table is a coded error', () => {
  assert.throws(() => new SymbolTable(fixture.symbols, 'klingon-v1'), (err: unknown) => err instanceof TextError && err.code === 'unknown_normalizer');
  const noQ = fixture.symbols.filter((s: string) => s !== 'q');
  assert.throws(() => new SymbolTable(noQ, 'english-v1'), (err: unknown) => err instanceof TextError && err.code === 'bad_symbol_table' && /"q"/.test(err.message));
});

test.run();
