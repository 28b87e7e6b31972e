"""English sentences for synthetic speech, and the held-out evaluation sentences.

Training text comes from Debian's fortune files (apt packages `fortunes`, `fortunes-min`) and the
asterisk_en prompt transcripts; it is split into sentences, cleaned, and kept when it has 3-20
words of plain ASCII. `training/eval_sentences.txt` (Harvard sentences, IEEE 1969 lists 1-2, public
domain) is for evaluation ONLY: `training_sentences` removes them and asserts none is left.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

FORTUNE_DIR = Path("/usr/share/games/fortunes")
EVAL_SENTENCES_FILE = Path(__file__).resolve().parents[1] / "eval_sentences.txt"
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"  # ../shared/data beside the repo
# Fortune files that are mostly pictures, code, dictionary entries or non-prose.
SKIP_FORTUNE_FILES = {"art", "ascii-art", "definitions", "linuxcookie", "perl", "debian", "computers", "linux"}
MIN_WORDS, MAX_WORDS = 3, 20

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
_ALLOWED = re.compile(r"^[A-Za-z0-9 ,.;:!?'\"()-]+$")


def eval_sentences() -> list[str]:
    """The 20 held-out Harvard sentences (evaluation only, never in training text)."""
    return [s.strip() for s in EVAL_SENTENCES_FILE.read_text(encoding="utf-8").splitlines() if s.strip()]


def text_key(text: str) -> str:
    """Comparison key: lowercase letters and digits only (so punctuation or case can't hide a match)."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def clean_sentence(raw: str) -> str | None:
    """Collapse whitespace, drop quotes around the whole thing; None unless 3-20 words of plain prose."""
    s = " ".join(raw.replace("``", '"').replace("''", '"').split())
    s = s.strip(" \"'")
    if not s or not _ALLOWED.match(s) or not re.search(r"[a-z]", s) or '"' in s:  # '"': dialogue
        return None
    if re.match(r"^[\w ]{1,20}:", s):  # "Joe: ..." dialogue
        return None
    if re.search(r"[A-Z]{5,}", s) or "--" in s or re.search(r"\d{3,}", s):  # shouting, attributions, numbers
        return None
    words = s.split()
    if not (MIN_WORDS <= len(words) <= MAX_WORDS):
        return None
    if s[-1] not in ".!?":
        s += "."
    return s[0].upper() + s[1:]


def split_sentences(paragraph: str) -> list[str]:
    return [p for p in _SENTENCE_END.split(" ".join(paragraph.split())) if p]


def fortune_texts(fortune_dir: Path = FORTUNE_DIR) -> list[str]:
    """Every fortune (the text between `%` lines) of the prose fortune files, attribution lines removed."""
    texts = []
    for f in sorted(fortune_dir.iterdir()) if fortune_dir.exists() else []:
        if f.suffix or f.name in SKIP_FORTUNE_FILES or f.is_symlink():
            continue
        for chunk in f.read_text(encoding="latin-1").split("\n%\n"):
            lines = [ln for ln in chunk.splitlines() if not ln.strip().startswith(("--", "-- "))]
            if any(ln.startswith(("\t", "    ")) and len(ln.strip()) < 40 for ln in lines[1:]):
                continue  # verse, dialogue or tables: not running prose
            texts.append(" ".join(lines))
    return texts


def asterisk_texts(data_root: Path = SHARED_DATA) -> list[str]:
    meta = data_root / "asterisk_en" / "metadata.csv"
    if not meta.exists():
        return []
    with open(meta, newline="", encoding="utf-8") as f:
        return [row["text"] for row in csv.DictReader(f) if row["text"]]


def training_sentences(extra_texts: list[str] | None = None) -> list[str]:
    """Deduplicated, cleaned training sentences in a stable order; the eval sentences are excluded."""
    held_out = {text_key(s) for s in eval_sentences()}
    seen: set[str] = set()
    out: list[str] = []
    for text in fortune_texts() + asterisk_texts() + list(extra_texts or []):
        for raw in split_sentences(text):
            s = clean_sentence(raw)
            if s is None:
                continue
            key = text_key(s)
            if key in seen or key in held_out or any(h in key for h in held_out):
                continue
            seen.add(key)
            out.append(s)
    assert not held_out & {text_key(s) for s in out}, "an evaluation sentence leaked into training text"
    return out


if __name__ == "__main__":
    sents = training_sentences()
    print(f"{len(sents)} training sentences, {sum(len(s.split()) for s in sents)} words; e.g.:")
    import random
    for s in random.Random(0).sample(sents, 15):
        print("  ", s)
