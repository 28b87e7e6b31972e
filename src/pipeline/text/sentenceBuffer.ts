/**
 * Streamed text (e.g. LLM tokens) -> complete sentences, so synthesis can start before the text is
 * complete. A sentence ends at a newline, or at `.` `?` `!` followed by a space and then a character
 * that is not a lowercase letter ('"Why?" she asked.' is one sentence), unless a single `.` closes a
 * known abbreviation ("Dr.") or an initial ("J."). Closing quotes and brackets stay with their
 * sentence. A terminator is undecided until the next non-space character (or `flush`) arrives.
 */
import { hasLetters, normalizeEnglish } from './normalize.js';

export interface SentenceBufferOptions {
  /**
   * A sentence longer than this many characters without a terminator is cut at its last
   * `, ; :` or space before the limit, to bound latency on unpunctuated streams. Default 300.
   */
  readonly maxChars?: number;
  /** Sentences failing this are dropped (nothing to say). Default: english-v1 leaves a letter. */
  readonly isSpeakable?: (sentence: string) => boolean;
}

const TERMINATORS = '.?!';
const CLOSERS = '"\')]}\u2019\u201d';
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'jr', 'sr', 'mt', 'vs', 'no', 'capt', 'sgt', 'gen', 'gov', 'approx', 'dept', 'ave']);

type Scan = { readonly kind: 'sentence'; readonly end: number } | { readonly kind: 'none' } | { readonly kind: 'undecided' };

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v';
const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';

/** True when the `.` at `dot` ends an abbreviation or an initial rather than a sentence. */
function closesAbbreviation(text: string, dot: number): boolean {
  let start = dot;
  while (start > 0 && /[A-Za-z.]/.test(text[start - 1])) start--;
  const word = text.slice(start, dot);
  if (word.includes('.')) return true; // "e.g." / "U.S."
  return word.length === 1 || ABBREVIATIONS.has(word.toLowerCase());
}

/** The first sentence end in `text` (exclusive index), or why there is none yet. */
function scan(text: string): Scan {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') return { kind: 'sentence', end: i + 1 };
    if (!TERMINATORS.includes(c)) continue;
    let j = i;
    while (j < text.length && TERMINATORS.includes(text[j])) j++;
    const run = text.slice(i, j);
    while (j < text.length && CLOSERS.includes(text[j])) j++;
    if (j === text.length) return { kind: 'undecided' };
    if (!isSpace(text[j]) && text[j] !== '\n') {
      i = j - 1; // "3.14", "e.g.x": not an end
      continue;
    }
    if (run === '.' && closesAbbreviation(text, i)) {
      i = j - 1;
      continue;
    }
    let k = j;
    while (k < text.length && isSpace(text[k])) k++;
    if (k === text.length) return { kind: 'undecided' };
    if (isLower(text[k])) {
      i = j - 1;
      continue;
    }
    return { kind: 'sentence', end: j };
  }
  return { kind: 'none' };
}

/** Cut point for an over-long sentence: after the last `, ; :` or space before `maxChars`. */
function cutPoint(text: string, maxChars: number): number {
  const head = text.slice(0, maxChars);
  const mark = Math.max(head.lastIndexOf(', '), head.lastIndexOf('; '), head.lastIndexOf(': '));
  if (mark > 0) return mark + 1;
  const space = head.lastIndexOf(' ');
  return space > 0 ? space + 1 : maxChars;
}

/** Accumulates streamed text pieces and releases complete sentences (trimmed, in order). */
export class SentenceBuffer {
  private buffer = '';
  private readonly maxChars: number;
  private readonly isSpeakable: (sentence: string) => boolean;

  constructor(options: SentenceBufferOptions = {}) {
    this.maxChars = options.maxChars ?? 300;
    if (!Number.isInteger(this.maxChars) || this.maxChars < 1) throw new RangeError(`maxChars must be a positive integer, got ${this.maxChars}`);
    this.isSpeakable = options.isSpeakable ?? ((s) => hasLetters(normalizeEnglish(s)));
  }

  /** Adds a piece; returns the sentences it completed (possibly none). */
  push(piece: string): string[] {
    this.buffer += piece;
    const out: string[] = [];
    for (;;) {
      const found = scan(this.buffer);
      let end: number;
      if (found.kind === 'sentence') end = found.end;
      else if (this.buffer.length > this.maxChars) end = cutPoint(this.buffer, this.maxChars);
      else break;
      this.emit(this.buffer.slice(0, end), out);
      this.buffer = this.buffer.slice(end).trimStart();
    }
    return out;
  }

  /** The text is final: returns every sentence still held (the last may lack a terminator). */
  flush(): string[] {
    const out = this.push('');
    this.emit(this.buffer, out);
    this.buffer = '';
    return out;
  }

  /** Characters held back, waiting for their sentence to complete. */
  get pending(): string {
    return this.buffer;
  }

  private emit(sentence: string, out: string[]): void {
    const trimmed = sentence.trim();
    if (trimmed.length > 0 && this.isSpeakable(trimmed)) out.push(trimmed);
  }
}
