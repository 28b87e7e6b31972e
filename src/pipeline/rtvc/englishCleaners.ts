/**
 * RTVC's `english_cleaners` (synthesizer/utils/cleaners.py + numbers.py at the pinned commit),
 * restated: transliterate to ASCII -> lowercase -> numbers -> abbreviations -> collapse whitespace.
 * Transliteration covers what Unidecode does for Latin text (accents stripped, typographic
 * punctuation to ASCII, "£" to "PS" as Unidecode writes it, which is why RTVC's pound rule never
 * fires); other non-ASCII characters are dropped, as RTVC's symbol table would drop them anyway.
 */
import { cardinalWords, ordinalOfWords, rtvcNumberWords } from './inflectNumbers.js';

/** Name of this normaliser in a manifest's `synthesizer.text.normalizer`. */
export const RTVC_ENGLISH_CLEANERS = 'rtvc-english-cleaners';

const ASCII_FOR: Readonly<Record<string, string>> = {
  '\u2018': "'", '\u2019': "'", '\u201a': ',', '\u201b': "'", '\u201c': '"', '\u201d': '"', '\u201e': ',,',
  '\u2013': '-', '\u2014': '--', '\u2015': '--', '\u2026': '...', '\u00a0': ' ', '\u00a3': 'PS', '\u20ac': 'EUR',
  '\u00ab': '<<', '\u00bb': '>>', '\u00df': 'ss', '\u00e6': 'ae', '\u00c6': 'AE', '\u0153': 'oe', '\u0152': 'OE',
  '\u00f8': 'o', '\u00d8': 'O', '\u0111': 'd', '\u0110': 'D', '\u0142': 'l', '\u0141': 'L', '\u00bf': '?', '\u00a1': '!',
};

/** Latin text to ASCII (see module comment). */
export function toAscii(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch.charCodeAt(0) < 128) out += ch;
    else if (ch in ASCII_FOR) out += ASCII_FOR[ch];
    else out += ch.normalize('NFKD').replace(/[^\x00-\x7f]/g, '');
  }
  return out;
}

const ABBREVIATIONS: readonly (readonly [RegExp, string])[] = ([
  ['mrs', 'misess'], ['mr', 'mister'], ['dr', 'doctor'], ['st', 'saint'], ['co', 'company'], ['jr', 'junior'],
  ['maj', 'major'], ['gen', 'general'], ['drs', 'doctors'], ['rev', 'reverend'], ['lt', 'lieutenant'],
  ['hon', 'honorable'], ['sgt', 'sergeant'], ['capt', 'captain'], ['esq', 'esquire'], ['ltd', 'limited'],
  ['col', 'colonel'], ['ft', 'fort'],
] as const).map(([abbr, word]) => [new RegExp(`\\b${abbr}\\.`, 'gi'), word] as const);

function expandDollars(amount: string): string {
  const parts = amount.split('.');
  if (parts.length > 2) return `${amount} dollars`;
  const dollars = parts[0] ? Number(parts[0].replace(/,/g, '')) : 0;
  const cents = parts.length > 1 && parts[1] ? Number(parts[1].replace(/,/g, '')) : 0;
  const unit = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  if (dollars && cents) return `${unit(dollars, 'dollar', 'dollars')}, ${unit(cents, 'cent', 'cents')}`;
  if (dollars) return unit(dollars, 'dollar', 'dollars');
  if (cents) return unit(cents, 'cent', 'cents');
  return 'zero dollars';
}

/** RTVC's normalize_numbers, rule by rule in its order. */
export function expandNumbers(text: string): string {
  return text
    .replace(/([0-9][0-9,]+[0-9])/g, (m) => m.replace(/,/g, ''))
    .replace(/£([0-9,]*[0-9]+)/g, '$1 pounds')
    .replace(/\$([0-9.,]*[0-9]+)/g, (_m, amount: string) => expandDollars(amount))
    .replace(/([0-9]+\.[0-9]+)/g, (m) => m.replace('.', ' point '))
    .replace(/([0-9]+)(st|nd|rd|th)/g, (_m, digits: string) => ordinalOfWords(cardinalWords(digits)))
    .replace(/[0-9]+/g, (m) => rtvcNumberWords(m));
}

/** The cleaned text RTVC's synthesizer reads. */
export function englishCleaners(text: string): string {
  let t = expandNumbers(toAscii(text).toLowerCase());
  for (const [re, word] of ABBREVIATIONS) t = t.replace(re, word);
  return t.replace(/\s+/g, ' ');
}
