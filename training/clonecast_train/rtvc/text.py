"""RTVC's text front end restated (synthesizer/utils/cleaners.py, numbers.py, symbols.py at the
pinned commit): english_cleaners (ASCII -> lowercase -> numbers as inflect writes them ->
abbreviations -> whitespace) and text_to_sequence (unknown characters dropped, EOS appended).
The TypeScript twin is src/pipeline/rtvc/englishCleaners.ts; both are checked against RTVC's
cleaned strings in ../shared/rtvc-parity/meta.json. inflect and Unidecode are not needed.
"""
from __future__ import annotations

import re
import unicodedata

from .symbols import EOS_ID, PAD_ID, SYMBOLS

_UNITS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_MILLS = ["", " thousand", " million", " billion", " trillion", " quadrillion", " quintillion"]
_ASCII = {"\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201b": "'", "\u201c": '"', "\u201d": '"', "\u201e": ",,",
          "\u2013": "-", "\u2014": "--", "\u2015": "--", "\u2026": "...", "\u00a0": " ", "\u00a3": "PS", "\u20ac": "EUR",
          "\u00ab": "<<", "\u00bb": ">>", "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE", "\u0153": "oe", "\u0152": "OE",
          "\u00f8": "o", "\u00d8": "O", "\u0111": "d", "\u0110": "D", "\u0142": "l", "\u0141": "L", "\u00bf": "?", "\u00a1": "!"}
_ABBREVIATIONS = [(re.compile(r"\b%s\." % a, re.IGNORECASE), w) for a, w in [
    ("mrs", "misess"), ("mr", "mister"), ("dr", "doctor"), ("st", "saint"), ("co", "company"), ("jr", "junior"),
    ("maj", "major"), ("gen", "general"), ("drs", "doctors"), ("rev", "reverend"), ("lt", "lieutenant"),
    ("hon", "honorable"), ("sgt", "sergeant"), ("capt", "captain"), ("esq", "esquire"), ("ltd", "limited"),
    ("col", "colonel"), ("ft", "fort")]]
_ORDINAL = [("ty", "tieth"), ("one", "first"), ("two", "second"), ("three", "third"), ("five", "fifth"),
            ("eight", "eighth"), ("nine", "ninth"), ("twelve", "twelfth")]


def to_ascii(text: str) -> str:
    out = []
    for ch in text:
        if ord(ch) < 128:
            out.append(ch)
        elif ch in _ASCII:
            out.append(_ASCII[ch])
        else:
            out.append("".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) < 128))
    return "".join(out)


def _tens(n: int) -> str:
    t, u = divmod(n, 10)
    if t == 1:
        return _TEENS[u]
    return _TENS[t] + ("-" if t and u else "") + _UNITS[u]


def cardinal_words(digits: str, and_word: str = "and") -> str:
    """inflect's number_to_words: hyphenated tens, commas between groups, and_word after hundreds."""
    s = digits.lstrip("0") or "0"
    if s == "0":
        return "zero"
    groups = [int(s[max(0, e - 3):e]) for e in range(len(s), 0, -3)][::-1]
    if len(groups) > len(_MILLS):
        return " ".join("zero" if c == "0" else _UNITS[int(c)] for c in s)
    chunks = []
    for i, v in enumerate(groups):
        if v == 0:
            continue
        scale = _MILLS[len(groups) - 1 - i]
        h, rest = divmod(v, 100)
        joiner = (f" {and_word} " if and_word else " ") if rest else ""
        chunks.append(f"{_UNITS[h]} hundred{joiner}{_tens(rest)}{scale}" if h else f"{_tens(rest)}{scale}")
    out = ", ".join(chunks)
    return re.sub(r", (\S+)$", (f" {and_word} " if and_word else " ") + r"\1", out)


def ordinal_of_words(words: str) -> str:
    for end, to in _ORDINAL:
        if words.endswith(end):
            return words[: -len(end)] + to
    return words + "th"


def _pair(n: int) -> str:
    return _tens(n) if n >= 10 else (f"oh {_UNITS[n]}" if n else "oh oh")


def number_words(digits: str) -> str:
    """RTVC's _expand_number (years between 1000 and 3000, else cardinals without "and")."""
    n = int(digits)
    if 1000 < n < 3000:
        if n == 2000:
            return "two thousand"
        if 2000 < n < 2010:
            return "two thousand " + cardinal_words(str(n % 100), "")
        if n % 100 == 0:
            return cardinal_words(str(n // 100), "") + " hundred"
        return f"{_pair(n // 100)} {_pair(n % 100)}"
    return cardinal_words(digits, "")


def _dollars(m: re.Match) -> str:
    amount = m.group(1)
    parts = amount.split(".")
    if len(parts) > 2:
        return amount + " dollars"
    dollars = int(parts[0].replace(",", "")) if parts[0] else 0
    cents = int(parts[1].replace(",", "")) if len(parts) > 1 and parts[1] else 0
    unit = lambda n, one, many: f"{n} {one if n == 1 else many}"
    if dollars and cents:
        return f"{unit(dollars, 'dollar', 'dollars')}, {unit(cents, 'cent', 'cents')}"
    if dollars:
        return unit(dollars, "dollar", "dollars")
    if cents:
        return unit(cents, "cent", "cents")
    return "zero dollars"


def expand_numbers(text: str) -> str:
    text = re.sub(r"([0-9][0-9,]+[0-9])", lambda m: m.group(1).replace(",", ""), text)
    text = re.sub(r"£([0-9,]*[0-9]+)", r"\1 pounds", text)
    text = re.sub(r"\$([0-9.,]*[0-9]+)", _dollars, text)
    text = re.sub(r"([0-9]+\.[0-9]+)", lambda m: m.group(1).replace(".", " point ", 1), text)
    text = re.sub(r"([0-9]+)(st|nd|rd|th)", lambda m: ordinal_of_words(cardinal_words(m.group(1))), text)
    return re.sub(r"[0-9]+", lambda m: number_words(m.group(0)), text)


def english_cleaners(text: str) -> str:
    text = expand_numbers(to_ascii(text).lower())
    for regex, word in _ABBREVIATIONS:
        text = regex.sub(word, text)
    return re.sub(r"\s+", " ", text)


def text_to_sequence(text: str) -> list[int]:
    """RTVC's ids for `text`: strip, clean, drop characters outside the table (and pad/EOS), append EOS."""
    ids = {s: i for i, s in enumerate(SYMBOLS) if i not in (PAD_ID, EOS_ID)}
    return [ids[c] for c in english_cleaners(text.strip()) if c in ids] + [EOS_ID]
