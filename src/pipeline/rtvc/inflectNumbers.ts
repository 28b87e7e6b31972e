/**
 * Numbers as words the way RTVC's text cleaner gets them from the Python `inflect` package
 * (`number_to_words`): hyphenated tens ("twenty-three"), commas between thousands groups, an
 * optional "and" after hundreds, and the year reading by pairs of digits. Restated from inflect's
 * documented output, so RTVC's cleaned text (and hence its symbols) is reproduced.
 */

const UNITS = ['', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;
const TEENS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'] as const;
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'] as const;
const MILLS = ['', ' thousand', ' million', ' billion', ' trillion', ' quadrillion', ' quintillion'] as const;

/** 0..99 as inflect writes it ("" for 0). */
function tensWords(n: number): string {
  const t = Math.floor(n / 10);
  const u = n % 10;
  if (t === 1) return TEENS[u];
  return TENS[t] + (t > 0 && u > 0 ? '-' : '') + UNITS[u];
}

/**
 * A non-negative integer (digit string, any length inflect has scale words for) in words.
 * `andWord` goes between hundreds and the rest, and before a final one-word group ("" drops it).
 */
export function cardinalWords(digits: string, andWord = 'and'): string {
  const s = digits.replace(/^0+(?=\d)/, '');
  if (/^0*$/.test(s)) return 'zero';
  const groups: number[] = [];
  for (let end = s.length; end > 0; end -= 3) groups.unshift(Number(s.slice(Math.max(0, end - 3), end)));
  if (groups.length > MILLS.length) return Array.from(s, (c) => (c === '0' ? 'zero' : UNITS[Number(c)])).join(' ');
  const chunks: string[] = [];
  groups.forEach((v, i) => {
    if (v === 0) return;
    const scale = MILLS[groups.length - 1 - i];
    const h = Math.floor(v / 100);
    const rest = v % 100;
    if (h > 0) chunks.push(`${UNITS[h]} hundred${rest > 0 ? (andWord ? ` ${andWord} ` : ' ') : ''}${tensWords(rest)}${scale}`);
    else chunks.push(`${tensWords(rest)}${scale}`);
  });
  let out = chunks.join(', ');
  // inflect: a last group of one word joins with the andword instead of a comma ("one thousand and five")
  out = out.replace(/, (\S+)$/, andWord ? ` ${andWord} $1` : ' $1');
  return out;
}

const ORDINAL_ENDINGS: readonly (readonly [RegExp, string])[] = [
  [/ty$/, 'tieth'], [/one$/, 'first'], [/two$/, 'second'], [/three$/, 'third'], [/five$/, 'fifth'],
  [/eight$/, 'eighth'], [/nine$/, 'ninth'], [/twelve$/, 'twelfth'],
];

/** inflect's `ordinal` of a number in words: the last word becomes ordinal ("twenty-one" -> "twenty-first"). */
export function ordinalOfWords(words: string): string {
  for (const [re, to] of ORDINAL_ENDINGS) if (re.test(words)) return words.replace(re, to);
  return `${words}th`;
}

/** Two digits read as a year half: 99 -> "ninety-nine", 5 -> "oh five", 0 -> "oh oh". */
function pairWords(n: number): string {
  if (n >= 10) return tensWords(n);
  return n > 0 ? `oh ${UNITS[n]}` : 'oh oh';
}

/**
 * RTVC's `_expand_number`: strictly between 1000 and 3000 read as a year (2000 "two thousand",
 * 2001-2009 "two thousand N", multiples of 100 "N hundred", else by pairs: 1999 "nineteen
 * ninety-nine", 1234 "twelve thirty-four"); other numbers are cardinals without "and".
 */
export function rtvcNumberWords(digits: string): string {
  const n = Number(digits);
  if (n > 1000 && n < 3000) {
    if (n === 2000) return 'two thousand';
    if (n > 2000 && n < 2010) return `two thousand ${cardinalWords(String(n % 100), '')}`;
    if (n % 100 === 0) return `${cardinalWords(String(n / 100), '')} hundred`;
    return `${pairWords(Math.floor(n / 100))} ${pairWords(n % 100)}`;
  }
  return cardinalWords(digits, '');
}
