"""Writes test/fixtures/text/english-v1.json: tricky inputs with their english-v1 normalisation and ids.

The TypeScript normaliser (src/pipeline/text/) must reproduce every case exactly
(test/pipeline/text/normalize.test.ts). Run: `cd training && /usr/bin/python3 -m clonecast_train.synthesizer.text_fixture`.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from ..text import NORMALIZER, SYMBOLS, has_letters, normalize, to_ids

CASES = [
    # plain text, case, whitespace
    "Hello, World!", "  Leading and trailing spaces  ", "Tabs\tand\nnewlines\r\nhere", "ALL CAPS SHOUTING.",
    "The birch canoe slid on the smooth planks.", "multiple     spaces   collapse", "",
    # punctuation onto the symbol set
    "Wait... what?!", "Really??", "No!!!", "Hmm;  okay: fine.", "one , two ,three", "end .", "Stop.,.!",
    "call-forward on no answer", "a -- b", "well - maybe", "-leading dash", "trailing dash-", "x - - y",
    "\"Quoted,\" she said.", "(parenthetical) remark [bracketed] {braced} <angled>", "it's the dogs' bowl",
    "'single quoted'", "rock 'n' roll", "don't won't can't I'm you're", "semi;colon:colon",
    # unicode
    "Caf\u00e9 na\u00efve Z\u00fcrich", "stra\u00dfe \u00e6ther \u0153uvre \u00f8re \u0142\u00f3d\u017a",
    "\u201cSmart quotes\u201d and \u2018apostrophes\u2019", "en\u2013dash and em\u2014dash", "Ellipsis\u2026 done",
    "\u65e5\u672c\u8a9e only", "\u65e5\u672c\u8a9e", "emoji \U0001F600 here", "\ufb01ne ligature", "x\u00b2 squared",
    "5\u00d73", "20\u00b0C", "non\u00a0breaking space", "Cr\u00e8me br\u00fbl\u00e9e", "\u00bfQu\u00e9? \u00a1Ol\u00e9!",
    # numbers
    "0", "7", "13", "20", "42", "100", "101", "999", "1000", "1001", "12345", "1000000", "123456789",
    "999999999999999", "1234567890123456", "007", "00", "1,000", "1,250 cats", "$1,250.50", "1,250.5", "\u00a3 2,000", "1,984", "1,234,567 people", "1,2,3", "12,34",
    "3.14", "0.5", ".5", "10.05", "1.2.3", "-5", "-3.5 degrees", "a-5", "5-3", "555-0123",
    "1984", "2000", "2001", "2009", "2010", "2024", "1905", "1900", "1100", "1099", "2100", "3000",
    "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "100th", "101st", "1000th", "1ST",
    "10:30", "7:05", "12:00", "23:59", "1:2", "10:30:15", "99:99",
    "50%", "12.5 %", "100%!", "$5", "$1", "$0.01", "$0.50", "$5.50", "$1.01", "$3.5", "$3 million", "$2.5 billion",
    "$ 20", "\u00a320", "\u00a31.01", "\u20ac3.50", "$12345678901234567", "costs $", "\u00a3 alone", "\u20ac",
    "H.323", "mp3 player", "4x4", "R2D2 and C3PO",
    # abbreviations
    "Mr. Smith", "Mrs. Smith", "Ms. Smith", "Dr. Who", "Dr Who", "mr smith", "Prof. X", "John Jr. and Sr.",
    "Mt. Everest", "cats vs. dogs", "cats vs dogs", "apples, pears, etc.", "e.g. this", "i.e. that",
    "St. Paul's on Main St.", "Baker St. is here", "1st. place", "No. 5", "no. way", "Approx. 10",
    "Acme Inc. and Foo Ltd.", "Gen. Capt. Sgt. Gov.", "Mrs.Smith", "mistress", "drone", "vest",
    # symbols
    "Tom & Jerry", "1 + 1 = 2", "a+b", "me@example.com", "press *", "press # or *", "#1 hit", "# 5", "100 %",
    "and/or", "x^2 ~ y|z", "under_score", "back\\slash", "tilde~", "50/50", "a=b",
    # nothing speakable
    "...", "!!!", "   ", "\u2014", "123", "?", "\u65e5\u672c",
    # asterisk-style prompts
    "press 3", "Dial 1 if you wish", "at [@]", "<beep ascending>", "IAX (note: does not say \"2\")",
    "Enter a numeric dictation filename followed by # or just # to exit",
]


# Seeded random strings over the characters the rules care about, to catch engine differences.
_FUZZ_ALPHABET = "0123456789   ..,,$%#&@*+-/:;'\"()[]!?aAbBsStTdDmMrRnNhH\u00e9\u00a3\u20ac\u2014\u2019\t\n"


def fuzz_cases(count: int = 80, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_FUZZ_ALPHABET) for _ in range(rng.randint(3, 24))) for _ in range(count)]


def build() -> dict:
    cases = []
    for text in CASES + fuzz_cases():
        normalized = normalize(text)
        cases.append({"input": text, "normalized": normalized, "speakable": has_letters(normalized), "ids": to_ids(normalized)})
    return {"normalizer": NORMALIZER, "symbols": SYMBOLS, "cases": cases}


def main() -> None:
    out = Path(__file__).resolve().parents[3] / "test" / "fixtures" / "text" / "english-v1.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(build(), indent=1, ensure_ascii=True) + "\n")
    print(f"wrote {out} ({len(CASES)} cases + fuzz)")


if __name__ == "__main__":
    main()
