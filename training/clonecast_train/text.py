"""Text front end `english-v1`: raw English text -> normalised lowercase text -> symbol ids.

The TypeScript twin lives in src/pipeline/text/normalize.ts; test/fixtures/text/english-v1.json
(written by training/clonecast_train/synthesizer/text_fixture.py) proves the two agree. Every rule
here is a plain ASCII regex or table so that it behaves identically in Python `re` and JS RegExp
(no \s, \w, \d or \b: their Unicode meanings differ); change both sides together and regenerate
the fixture.

Steps, in order:
  1. Unicode -> ASCII: typographic quotes/dashes/ellipsis mapped, NFKD, combining marks stripped,
     a few letters transliterated (ß, æ, ø, ...), anything else non-ASCII dropped (£ € kept for 3).
  2. Abbreviations (case-aware: `St. Paul` is saint, `Main St.` is street).
  3. Numbers: currency, percent, ordinals, clock times, grouped thousands, decimals, signs,
     years (1100-2099 read as years), other integers as cardinals (leading zeros digit by digit).
  4. Symbols & + @ = * # % / $ into words.
  5. Lowercase; punctuation tidied to the symbol set; unknown characters dropped; spaces collapsed.
"""
from __future__ import annotations

import re
import unicodedata

NORMALIZER = "english-v1"

# id 0 is padding; the rest are the characters normalised text may contain.
SYMBOLS: list[str] = ["_", " "] + [chr(c) for c in range(ord("a"), ord("z") + 1)] + ["'", ",", ".", "?", "!", "-", ";", ":"]
SYMBOL_TO_ID = {s: i for i, s in enumerate(SYMBOLS) if i > 0}

_UNICODE_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": " - ", "\u2014": " - ", "\u2015": " - ", "\u2212": "-", "\u2026": "...", "\u2044": "/",
    "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE", "\u0153": "oe", "\u0152": "OE", "\u00f8": "o",
    "\u00d8": "O", "\u0142": "l", "\u0141": "L", "\u0111": "d", "\u0110": "D", "\u00fe": "th",
    "\u00de": "Th", "\u00f0": "d", "\u00d0": "D", "\u0131": "i", "\u00d7": " times ", "\u00b0": " degrees ",
}
_KEEP_NON_ASCII = "\u00a3\u20ac"  # pound and euro signs, read by the currency rule

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = [(10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (10**3, "thousand")]
_ORDINAL_IRREGULAR = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                      "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}

# (pattern, replacement); matched case-insensitively at a word start, applied before lowercasing.
_ABBREVIATIONS = [
    (r"mrs\.?", "missus"), (r"mr\.?", "mister"), (r"ms\.", "miz"), (r"dr\.?", "doctor"),
    (r"prof\.", "professor"), (r"jr\.", "junior"), (r"sr\.", "senior"), (r"mt\.", "mount"),
    (r"vs\.?", "versus"), (r"etc\.", "et cetera."), (r"e\.g\.", "for example"), (r"i\.e\.", "that is"),
    (r"approx\.", "approximately"), (r"dept\.", "department"), (r"ave\.", "avenue"),
    (r"capt\.", "captain"), (r"sgt\.", "sergeant"), (r"gen\.", "general"), (r"gov\.", "governor"),
    (r"inc\.", "incorporated"), (r"ltd\.", "limited"), (r"no\.(?= ?[0-9])", "number"),
]
_CURRENCIES = {"$": ("dollar", "dollars", "cent", "cents"), "\u00a3": ("pound", "pounds", "penny", "pence"),
               "\u20ac": ("euro", "euros", "cent", "cents")}
_SYMBOL_WORDS = [
    (r"&", " and "), (r"\+", " plus "), (r"@", " at "), (r"=", " equals "), (r"\*", " star "),
    (r"#", " pound "), (r"%", " percent "), (r"/", " slash "),
    (r"\$", " dollars "), ("\u00a3", " pounds "), ("\u20ac", " euros "),
]


def cardinal(n: int) -> str:
    """Non-negative integer below 10**15 in words, without 'and' or hyphens: 121 -> 'one hundred twenty one'."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + cardinal(n % 100))
    for value, name in _SCALES:
        if n >= value:
            rest = n % value
            return cardinal(n // value) + " " + name + ("" if rest == 0 else " " + cardinal(rest))
    raise AssertionError("unreachable")


def ordinal(n: int) -> str:
    """21 -> 'twenty first', 100 -> 'one hundredth'."""
    words = cardinal(n).split(" ")
    last = words[-1]
    if last in _ORDINAL_IRREGULAR:
        words[-1] = _ORDINAL_IRREGULAR[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def year(n: int) -> str:
    """1100..2099 as a year: 1984 -> 'nineteen eighty four', 1905 -> 'nineteen oh five', 2000 -> 'two thousand'."""
    if 2000 <= n <= 2009:
        return cardinal(n)
    hi, lo = divmod(n, 100)
    if lo == 0:
        return cardinal(hi) + " hundred"
    if lo < 10:
        return cardinal(hi) + " oh " + _ONES[lo]
    return cardinal(hi) + " " + cardinal(lo)


def _digits(s: str) -> str:
    return " ".join(_ONES[int(c)] for c in s)


def _integer(s: str) -> str:
    """Digit string -> words: leading zeros and very long numbers digit by digit, 1100-2099 as years."""
    if len(s) > 1 and s[0] == "0" or len(s) > 15:
        return _digits(s)
    n = int(s)
    if len(s) == 4 and 1100 <= n <= 2099:
        return year(n)
    return cardinal(n)


def _currency(m: re.Match) -> str:
    one, many, sub_one, sub_many = _CURRENCIES[m.group(1)]
    whole, frac, scale = m.group(2), m.group(3), m.group(4)
    if scale:
        amount = whole + ("." + frac if frac else "")
        return " " + _number(amount) + " " + scale.lower() + " " + many + " "
    if frac is not None and len(frac) != 2:
        return " " + _number(whole + "." + frac) + " " + many + " "
    if len(whole) > 15:
        return " " + _number(whole + ("." + frac if frac else "")) + " " + many + " "
    units, cents = int(whole), int(frac) if frac else 0
    parts = []
    if units or not cents:
        parts.append(cardinal(units) + " " + (one if units == 1 else many))
    if cents:
        parts.append(cardinal(cents) + " " + (sub_one if cents == 1 else sub_many))
    return " " + " and ".join(parts) + " "


def _number(s: str) -> str:
    """'12' / '3.14' / '.5' -> words (decimals read digit by digit after 'point')."""
    if "." in s:
        whole, frac = s.split(".", 1)
        return ((cardinal(int(whole)) if len(whole) <= 15 else _digits(whole)) + " " if whole else "") + "point " + _digits(frac)
    return cardinal(int(s)) if len(s) <= 15 else _digits(s)


def _clock(m: re.Match) -> str:
    hour, minute = int(m.group(1)), m.group(2)
    if minute == "00":
        return " " + cardinal(hour) + " o'clock "
    if minute[0] == "0":
        return " " + cardinal(hour) + " oh " + _ONES[int(minute[1])] + " "
    return " " + cardinal(hour) + " " + cardinal(int(minute)) + " "


def to_ascii(text: str) -> str:
    """Step 1: typographic characters mapped, accents stripped, other non-ASCII dropped."""
    text = "".join(_UNICODE_MAP.get(c, c) for c in text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(_UNICODE_MAP.get(c, c) for c in text)
    return "".join(c for c in text if ord(c) < 128 or c in _KEEP_NON_ASCII)


def expand_abbreviations(text: str) -> str:
    """Step 2 (case-aware): 'St.' before a capitalised word is 'saint', otherwise 'street'."""
    text = re.sub(r"(?<![A-Za-z0-9])[Ss]t\.(?= [A-Z])", "saint", text)
    text = re.sub(r"(?<![A-Za-z0-9])[Ss]t\.", "street", text)
    for pattern, words in _ABBREVIATIONS:
        text = re.sub(r"(?<![A-Za-z])" + pattern + r"(?![A-Za-z])", words, text, flags=re.IGNORECASE)
    return text


def expand_numbers(text: str) -> str:
    """Step 3: every digit becomes words."""
    text = re.sub(r"#(?= ?[0-9])", " number ", text)
    # Grouped thousands: digits again after a currency sign or before a decimal point, else a cardinal
    # (never a year: "1,250" is "one thousand two hundred fifty").
    text = re.sub(r"([$\u00a3\u20ac] ?)([0-9]{1,3}(?:,[0-9]{3})+)(?![0-9])", lambda m: m.group(1) + m.group(2).replace(",", ""), text)
    text = re.sub(r"([0-9]{1,3}(?:,[0-9]{3})+)(?=\.[0-9])", lambda m: m.group(1).replace(",", ""), text)
    text = re.sub(r"([0-9]{1,3}(?:,[0-9]{3})+)(?![0-9])", lambda m: " " + _number(m.group(1).replace(",", "")) + " ", text)
    text = re.sub(r"([$\u00a3\u20ac]) ?([0-9]+)(?:\.([0-9]+))?(?: (thousand|million|billion|trillion)(?![A-Za-z]))?",
                  _currency, text, flags=re.IGNORECASE)
    text = re.sub(r"([0-9]+(?:\.[0-9]+)?) ?%", lambda m: " " + _number(m.group(1)) + " percent ", text)
    text = re.sub(r"(?<![0-9])([0-9]{1,15})(st|nd|rd|th)(?![A-Za-z])", lambda m: " " + ordinal(int(m.group(1))) + " ", text,
                  flags=re.IGNORECASE)
    text = re.sub(r"(?<![0-9:])([0-9]{1,2}):([0-5][0-9])(?![0-9:])", _clock, text)
    text = re.sub(r"(^|[ \t\n\r\f\v(\[])-(?=\.?[0-9])", lambda m: m.group(1) + "minus ", text)
    text = re.sub(r"(?<![A-Za-z])([0-9]*)\.([0-9]+)", lambda m: " " + _number(m.group(1) + "." + m.group(2)) + " ", text)
    text = re.sub(r"[0-9]+", lambda m: " " + _integer(m.group(0)) + " ", text)
    return text


def expand_symbols(text: str) -> str:
    """Step 4: & + @ = * # % / $ (and leftover currency signs) as words."""
    for pattern, words in _SYMBOL_WORDS:
        text = re.sub(pattern, words, text)
    return text


def tidy(text: str) -> str:
    """Step 5 (on lowercase ASCII): punctuation onto the symbol set, unknown characters dropped."""
    text = re.sub(r"[ \t\n\r\f\v_]+", " ", text)
    text = re.sub(r"[\"(){}\[\]<>]", " ", text)
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", "", text)  # apostrophes only inside words
    text = re.sub(r"-{2,}", " - ", text)
    text = re.sub(r"(?<![a-z])-|-(?![a-z])", " , ", text)  # a free-standing dash is a pause
    text = re.sub(r"[^a-z' ,.?!\-;:]", "", text)
    text = re.sub(r" *([,.?!;:])", r"\1", text)
    text = re.sub(r"([,.?!;:])[,.?!;: ]*", lambda m: m.group(1) + " ", text)  # a run keeps its first mark
    text = re.sub(r"^[ ,.?!;:]+", "", text)
    return re.sub(r" +", " ", text).strip()


def normalize(text: str) -> str:
    """english-v1: raw text -> normalised text over SYMBOLS[1:] ('' when nothing speakable is left)."""
    text = to_ascii(text)
    text = expand_abbreviations(text)
    text = expand_numbers(text)
    text = expand_symbols(text)
    return tidy(text.lower())


def has_letters(normalized: str) -> bool:
    """False for text the synthesizer cannot speak (the server answers it with an error)."""
    return re.search(r"[a-z]", normalized) is not None


def to_ids(normalized: str) -> list[int]:
    """Normalised text -> symbol ids (1..len(SYMBOLS)-1). Raises ValueError on a character outside SYMBOLS."""
    try:
        return [SYMBOL_TO_ID[c] for c in normalized]
    except KeyError as e:
        raise ValueError(f"character {e.args[0]!r} is not an english-v1 symbol; normalise first") from None


def text_to_ids(text: str) -> list[int]:
    return to_ids(normalize(text))
