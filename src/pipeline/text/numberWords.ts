/**
 * Numbers as English words for the `english-v1` normaliser (twin of the helpers in
 * training/clonecast_train/text.py). Words are separated by single spaces: no hyphens, no "and".
 */

const ONES = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
] as const;
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'] as const;
const SCALES: readonly (readonly [number, string])[] = [[1e12, 'trillion'], [1e9, 'billion'], [1e6, 'million'], [1e3, 'thousand']];
const ORDINAL_IRREGULAR: Readonly<Record<string, string>> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth',
};

/** Longest digit string read as a number; longer ones are read digit by digit (exact below 2^53). */
export const MAX_CARDINAL_DIGITS = 15;

/** Non-negative integer below 10^15 in words: 121 -> "one hundred twenty one". */
export function cardinal(n: number): string {
  if (n < 20) return ONES[n];
  if (n < 100) return TENS[Math.floor(n / 10)] + (n % 10 === 0 ? '' : ' ' + ONES[n % 10]);
  if (n < 1000) return ONES[Math.floor(n / 100)] + ' hundred' + (n % 100 === 0 ? '' : ' ' + cardinal(n % 100));
  for (const [value, name] of SCALES) {
    if (n >= value) {
      const rest = n % value;
      return cardinal(Math.floor(n / value)) + ' ' + name + (rest === 0 ? '' : ' ' + cardinal(rest));
    }
  }
  throw new Error('unreachable');
}

/** 21 -> "twenty first", 100 -> "one hundredth". */
export function ordinal(n: number): string {
  const words = cardinal(n).split(' ');
  const last = words[words.length - 1];
  if (last in ORDINAL_IRREGULAR) words[words.length - 1] = ORDINAL_IRREGULAR[last];
  else if (last.endsWith('y')) words[words.length - 1] = last.slice(0, -1) + 'ieth';
  else words[words.length - 1] = last + 'th';
  return words.join(' ');
}

/** 1100..2099 as a year: 1984 -> "nineteen eighty four", 1905 -> "nineteen oh five", 2000 -> "two thousand". */
export function year(n: number): string {
  if (n >= 2000 && n <= 2009) return cardinal(n);
  const hi = Math.floor(n / 100);
  const lo = n % 100;
  if (lo === 0) return cardinal(hi) + ' hundred';
  if (lo < 10) return cardinal(hi) + ' oh ' + ONES[lo];
  return cardinal(hi) + ' ' + cardinal(lo);
}

/** "007" -> "zero zero seven". */
export function digits(s: string): string {
  return Array.from(s, (c) => ONES[Number(c)]).join(' ');
}

/** The word for a single digit 0-9. */
export function digitWord(d: number): string {
  return ONES[d];
}

/** Digit string -> words: leading zeros and over-long numbers digit by digit, 1100-2099 as years. */
export function integerWords(s: string): string {
  if ((s.length > 1 && s[0] === '0') || s.length > MAX_CARDINAL_DIGITS) return digits(s);
  const n = Number(s);
  if (s.length === 4 && n >= 1100 && n <= 2099) return year(n);
  return cardinal(n);
}

/** "12" / "3.14" / ".5" -> words; digits after the point are read one by one. */
export function numberWords(s: string): string {
  const dot = s.indexOf('.');
  if (dot < 0) return s.length <= MAX_CARDINAL_DIGITS ? cardinal(Number(s)) : digits(s);
  const whole = s.slice(0, dot);
  const frac = s.slice(dot + 1);
  const wholeWords = whole.length === 0 ? '' : (whole.length <= MAX_CARDINAL_DIGITS ? cardinal(Number(whole)) : digits(whole)) + ' ';
  return wholeWords + 'point ' + digits(frac);
}
