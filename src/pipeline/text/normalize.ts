/**
 * The `english-v1` text normaliser: raw English text -> lowercase text over the synthesizer's
 * symbols (space, a-z, ' , . ? ! - ; :). Twin of training/clonecast_train/text.py, rule for rule;
 * test/fixtures/text/english-v1.json (made by the Python side) proves they agree. Change both
 * sides together. Rules use ASCII classes only (no \s \d \w \b), whose Unicode meanings differ
 * between Python `re` and JS RegExp.
 */
import { cardinal, digitWord, integerWords, MAX_CARDINAL_DIGITS, numberWords, ordinal } from './numberWords.js';

/** Name of this normaliser in the manifest's `synthesizer.text.normalizer`. */
export const ENGLISH_V1 = 'english-v1';

const UNICODE_MAP: Readonly<Record<string, string>> = {
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'", '`': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u2033': '"', '\u00ab': '"', '\u00bb': '"',
  '\u2013': ' - ', '\u2014': ' - ', '\u2015': ' - ', '\u2212': '-', '\u2026': '...', '\u2044': '/',
  '\u00df': 'ss', '\u00e6': 'ae', '\u00c6': 'AE', '\u0153': 'oe', '\u0152': 'OE', '\u00f8': 'o',
  '\u00d8': 'O', '\u0142': 'l', '\u0141': 'L', '\u0111': 'd', '\u0110': 'D', '\u00fe': 'th',
  '\u00de': 'Th', '\u00f0': 'd', '\u00d0': 'D', '\u0131': 'i', '\u00d7': ' times ', '\u00b0': ' degrees ',
};
/** Pound and euro signs survive step 1 for the currency rule. */
const KEEP_NON_ASCII = '\u00a3\u20ac';

/** Matched case-insensitively at a word start, before lowercasing. */
const ABBREVIATIONS: readonly (readonly [string, string])[] = [
  ['mrs\\.?', 'missus'], ['mr\\.?', 'mister'], ['ms\\.', 'miz'], ['dr\\.?', 'doctor'],
  ['prof\\.', 'professor'], ['jr\\.', 'junior'], ['sr\\.', 'senior'], ['mt\\.', 'mount'],
  ['vs\\.?', 'versus'], ['etc\\.', 'et cetera.'], ['e\\.g\\.', 'for example'], ['i\\.e\\.', 'that is'],
  ['approx\\.', 'approximately'], ['dept\\.', 'department'], ['ave\\.', 'avenue'],
  ['capt\\.', 'captain'], ['sgt\\.', 'sergeant'], ['gen\\.', 'general'], ['gov\\.', 'governor'],
  ['inc\\.', 'incorporated'], ['ltd\\.', 'limited'], ['no\\.(?= ?[0-9])', 'number'],
];
const ABBREVIATION_RULES: readonly (readonly [RegExp, string])[] = ABBREVIATIONS.map(
  ([pattern, words]) => [new RegExp('(?<![A-Za-z])' + pattern + '(?![A-Za-z])', 'gi'), words] as const,
);

/** Currency sign -> [one, many, one hundredth, many hundredths]. */
const CURRENCIES: Readonly<Record<string, readonly [string, string, string, string]>> = {
  $: ['dollar', 'dollars', 'cent', 'cents'],
  '\u00a3': ['pound', 'pounds', 'penny', 'pence'],
  '\u20ac': ['euro', 'euros', 'cent', 'cents'],
};

const SYMBOL_WORDS: readonly (readonly [RegExp, string])[] = [
  [/&/g, ' and '], [/\+/g, ' plus '], [/@/g, ' at '], [/=/g, ' equals '], [/\*/g, ' star '],
  [/#/g, ' pound '], [/%/g, ' percent '], [/\//g, ' slash '],
  [/\$/g, ' dollars '], [/\u00a3/g, ' pounds '], [/\u20ac/g, ' euros '],
];

function mapChars(text: string): string {
  let out = '';
  for (const c of text) out += UNICODE_MAP[c] ?? c;
  return out;
}

/** Step 1: typographic characters mapped, accents stripped (NFKD), other non-ASCII dropped. */
export function toAscii(text: string): string {
  const mapped = mapChars(mapChars(text).normalize('NFKD'));
  let out = '';
  for (const c of mapped) if (c.codePointAt(0)! < 128 || KEEP_NON_ASCII.includes(c)) out += c;
  return out;
}

/** Step 2 (case-aware): "St." before a capitalised word is "saint", otherwise "street". */
export function expandAbbreviations(text: string): string {
  let out = text.replace(/(?<![A-Za-z0-9])[Ss]t\.(?= [A-Z])/g, 'saint');
  out = out.replace(/(?<![A-Za-z0-9])[Ss]t\./g, 'street');
  for (const [rule, words] of ABBREVIATION_RULES) out = out.replace(rule, words);
  return out;
}

function currency(sign: string, whole: string, frac: string | undefined, scale: string | undefined): string {
  const [one, many, subOne, subMany] = CURRENCIES[sign];
  if (scale) return ' ' + numberWords(whole + (frac ? '.' + frac : '')) + ' ' + scale.toLowerCase() + ' ' + many + ' ';
  if (frac !== undefined && frac.length !== 2) return ' ' + numberWords(whole + '.' + frac) + ' ' + many + ' ';
  if (whole.length > MAX_CARDINAL_DIGITS) return ' ' + numberWords(whole + (frac ? '.' + frac : '')) + ' ' + many + ' ';
  const units = Number(whole);
  const cents = frac ? Number(frac) : 0;
  const parts: string[] = [];
  if (units || !cents) parts.push(cardinal(units) + ' ' + (units === 1 ? one : many));
  if (cents) parts.push(cardinal(cents) + ' ' + (cents === 1 ? subOne : subMany));
  return ' ' + parts.join(' and ') + ' ';
}

function clock(hourDigits: string, minute: string): string {
  const hour = cardinal(Number(hourDigits));
  if (minute === '00') return ' ' + hour + " o'clock ";
  if (minute[0] === '0') return ' ' + hour + ' oh ' + digitWord(Number(minute[1])) + ' ';
  return ' ' + hour + ' ' + cardinal(Number(minute)) + ' ';
}

/** Step 3: every digit becomes words (currency, percent, ordinals, times, decimals, signs, integers). */
export function expandNumbers(text: string): string {
  return text
    .replace(/#(?= ?[0-9])/g, ' number ')
    // Grouped thousands: digits again after a currency sign or before a decimal point, else a cardinal
    // (never a year: "1,250" is "one thousand two hundred fifty").
    .replace(/([$\u00a3\u20ac] ?)([0-9]{1,3}(?:,[0-9]{3})+)(?![0-9])/g, (_m, sign: string, n: string) => sign + n.replace(/,/g, ''))
    .replace(/([0-9]{1,3}(?:,[0-9]{3})+)(?=\.[0-9])/g, (n) => n.replace(/,/g, ''))
    .replace(/([0-9]{1,3}(?:,[0-9]{3})+)(?![0-9])/g, (n) => ' ' + numberWords(n.replace(/,/g, '')) + ' ')
    .replace(
      /([$\u00a3\u20ac]) ?([0-9]+)(?:\.([0-9]+))?(?: (thousand|million|billion|trillion)(?![A-Za-z]))?/gi,
      (_m, sign: string, whole: string, frac: string | undefined, scale: string | undefined) => currency(sign, whole, frac, scale),
    )
    .replace(/([0-9]+(?:\.[0-9]+)?) ?%/g, (_m, n: string) => ' ' + numberWords(n) + ' percent ')
    .replace(/(?<![0-9])([0-9]{1,15})(st|nd|rd|th)(?![A-Za-z])/gi, (_m, n: string) => ' ' + ordinal(Number(n)) + ' ')
    .replace(/(?<![0-9:])([0-9]{1,2}):([0-5][0-9])(?![0-9:])/g, (_m, h: string, m: string) => clock(h, m))
    .replace(/(^|[ \t\n\r\f\v(\[])-(?=\.?[0-9])/g, (_m, before: string) => before + 'minus ')
    .replace(/(?<![A-Za-z])([0-9]*)\.([0-9]+)/g, (_m, whole: string, frac: string) => ' ' + numberWords(whole + '.' + frac) + ' ')
    .replace(/[0-9]+/g, (n) => ' ' + integerWords(n) + ' ');
}

/** Step 4: & + @ = * # % / $ (and leftover currency signs) as words. */
export function expandSymbols(text: string): string {
  let out = text;
  for (const [rule, words] of SYMBOL_WORDS) out = out.replace(rule, words);
  return out;
}

/** Step 5 (on lowercase ASCII): punctuation onto the symbol set, unknown characters dropped. */
export function tidy(text: string): string {
  return text
    .replace(/[ \t\n\r\f\v_]+/g, ' ')
    .replace(/["(){}[\]<>]/g, ' ')
    .replace(/(?<![a-z])'|'(?![a-z])/g, '') // apostrophes only inside words
    .replace(/-{2,}/g, ' - ')
    .replace(/(?<![a-z])-|-(?![a-z])/g, ' , ') // a free-standing dash is a pause
    .replace(/[^a-z' ,.?!\-;:]/g, '')
    .replace(/ *([,.?!;:])/g, '$1')
    .replace(/([,.?!;:])[,.?!;: ]*/g, '$1 ') // a run of marks keeps its first
    .replace(/^[ ,.?!;:]+/, '')
    .replace(/ +/g, ' ')
    .trim();
}

/**
 * english-v1: raw text -> normalised text over the symbol set (`''` when nothing speakable is left).
 * Example: `"Dr. Smith paid $5.50 on 3rd May."` -> `"doctor smith paid five dollars and fifty cents on third may."`.
 */
export function normalizeEnglish(text: string): string {
  return tidy(expandSymbols(expandNumbers(expandAbbreviations(toAscii(text)))).toLowerCase());
}

/** False for normalised text the synthesizer cannot speak (no letter at all). */
export function hasLetters(normalized: string): boolean {
  return /[a-z]/.test(normalized);
}

