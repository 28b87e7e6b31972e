/**
 * Text -> synthesizer symbol ids, with the normaliser and symbol table the manifest names
 * (`synthesizer.text.normalizer`, `synthesizer.symbols`; index = id, id 0 is padding).
 */
import type { SymbolSequence } from '../types.js';
import { ENGLISH_V1, hasLetters, normalizeEnglish } from './normalize.js';

/** Codes of text errors; `no_speakable_text` maps onto the protocol error of the same name. */
export type TextErrorCode = 'no_speakable_text' | 'unknown_normalizer' | 'bad_symbol_table';

export class TextError extends Error {
  constructor(readonly code: TextErrorCode, message: string) {
    super(message);
    this.name = 'TextError';
  }
}

/** Normalisers by manifest name: raw text -> text over the symbol table's characters. */
export const NORMALIZERS: Readonly<Record<string, (text: string) => string>> = { [ENGLISH_V1]: normalizeEnglish };

/** Maps raw text onto a model's symbols. Construct once per loaded manifest. */
export class SymbolTable {
  private readonly ids = new Map<string, number>();
  private readonly normalize: (text: string) => string;

  /**
   * @param symbols the manifest's `synthesizer.symbols` (single characters after index 0).
   * @param normalizer the manifest's `synthesizer.text.normalizer`.
   * @throws TextError `unknown_normalizer` or `bad_symbol_table`.
   */
  constructor(readonly symbols: readonly string[], readonly normalizer: string) {
    const normalize = NORMALIZERS[normalizer];
    if (!normalize) {
      throw new TextError('unknown_normalizer', `text normalizer ${JSON.stringify(normalizer)} is not known (known: ${Object.keys(NORMALIZERS).join(', ')})`);
    }
    this.normalize = normalize;
    symbols.forEach((s, id) => {
      if (id > 0) this.ids.set(s, id);
    });
    const missing = [...' abcdefghijklmnopqrstuvwxyz\',.?!-;:'].filter((c) => !this.ids.has(c));
    if (missing.length > 0) {
      throw new TextError('bad_symbol_table', `symbol table lacks ${missing.map((c) => JSON.stringify(c)).join(', ')} needed by ${normalizer}`);
    }
  }

  /** Normalised text, `''` when nothing speakable is left. */
  normalizeText(text: string): string {
    return this.normalize(text);
  }

  /** True when `text` has something to say (its normalised form has a letter). */
  isSpeakable(text: string): boolean {
    return hasLetters(this.normalize(text));
  }

  /**
   * Raw text -> ids (1..symbols.length-1) and the normalised text they spell.
   * @throws TextError `no_speakable_text` when the text normalises to no letter at all.
   */
  encode(text: string): SymbolSequence {
    const normalized = this.normalize(text);
    if (!hasLetters(normalized)) {
      throw new TextError('no_speakable_text', `text ${JSON.stringify(text.slice(0, 80))} has nothing speakable after normalisation`);
    }
    const ids = Array.from(normalized, (c) => this.ids.get(c)!);
    return { ids, text: normalized };
  }
}
