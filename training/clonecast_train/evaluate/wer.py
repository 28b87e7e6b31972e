"""Word error rate of speech audio by pocketsphinx (a general recognizer that never heard our voices).

Both the reference and the hypothesis go through english-v1 and lose their punctuation, so only
words count. WER = word-level Levenshtein distance / reference words.
CLI: python -m clonecast_train.evaluate.wer --text "reference" file.wav
"""
from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from ..text import normalize


def words(text: str) -> list[str]:
    """english-v1, then words only (apostrophes kept inside words)."""
    return re.sub(r"[^a-z' ]", " ", normalize(text)).split()


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[len(hyp)]


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref = words(reference)
    return edit_distance(ref, words(hypothesis)) / max(1, len(ref))


def recognize_file(wav: Path) -> str:
    """pocketsphinx_continuous on a 16 kHz 16-bit mono wav -> recognised text (lowercase words)."""
    result = subprocess.run(["pocketsphinx_continuous", "-infile", str(wav), "-logfn", "/dev/null"],
                            capture_output=True, text=True, check=True)
    return " ".join(line.strip() for line in result.stdout.splitlines() if line.strip())


def recognize(audio: np.ndarray, sample_rate: int = 16000) -> str:
    """Float audio in [-1, 1] at 16 kHz -> recognised text."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.wav"
        sf.write(str(path), np.clip(audio, -1, 1), sample_rate, subtype="PCM_16")
        return recognize_file(path)


def corpus_wer(pairs: list[tuple[str, str]]) -> float:
    """Total edits / total reference words over (reference, hypothesis) pairs."""
    edits = sum(edit_distance(words(r), words(h)) for r, h in pairs)
    return edits / max(1, sum(len(words(r)) for r, _ in pairs))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--text", required=True, help="reference text")
    p.add_argument("wav")
    a = p.parse_args()
    hyp = recognize_file(Path(a.wav))
    print(f"hyp: {hyp}\nWER: {word_error_rate(a.text, hyp):.3f}")


if __name__ == "__main__":
    main()
