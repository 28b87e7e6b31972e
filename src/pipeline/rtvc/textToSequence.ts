/**
 * Text -> RTVC symbol ids: `.strip()`, english_cleaners, then each character's id in the model's
 * symbol table (characters outside it, and its pad and EOS symbols, are silently dropped, as in
 * RTVC), then the end-of-sequence id.
 */
import { englishCleaners } from './englishCleaners.js';

/** Cleaned text and its symbol ids. */
export interface RtvcSequence {
  /** The cleaned text (what the ids spell). */
  readonly text: string;
  /** Symbol ids ending in `eosId`. */
  readonly ids: Int32Array;
}

/** The manifest's symbol table with its pad and EOS ids. */
export interface RtvcSymbolTable {
  /** index = id (RTVC: "_" pad, "~" EOS, then 64 characters). */
  readonly symbols: readonly string[];
  readonly padId: number;
  readonly eosId: number;
}

/** RTVC's `text_to_sequence(text.strip(), ["english_cleaners"])`. */
export function textToSequence(text: string, table: RtvcSymbolTable): RtvcSequence {
  const cleaned = englishCleaners(text.trim());
  const idOf = new Map<string, number>();
  table.symbols.forEach((s, i) => {
    if (i !== table.padId && i !== table.eosId) idOf.set(s, i);
  });
  const ids: number[] = [];
  for (const ch of cleaned) {
    const id = idOf.get(ch);
    if (id !== undefined) ids.push(id);
  }
  ids.push(table.eosId);
  return { text: cleaned, ids: Int32Array.from(ids) };
}
