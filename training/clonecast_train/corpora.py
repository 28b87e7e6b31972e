"""Corpus readers: each yields Utterance(path, speaker, text, corpus) for one on-disk layout.

Layouts: the shared layout (`<root>/<corpus>/metadata.csv`, /work/shared/data/README.md),
LibriSpeech (`<spk>/<chapter>/*.flac` + `*.trans.txt`), VCTK (`wav48*/pXXX/*.wav|.flac` +
`txt/pXXX/*.txt`), LJSpeech (`wavs/*.wav` + `metadata.csv`, `|`-separated, one speaker).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator


@dataclass(frozen=True)
class Utterance:
    path: Path        # absolute audio file path
    speaker: str      # corpus-unique speaker name
    text: str         # transcript, "" where unknown
    corpus: str


def read_shared(root: str | Path, corpus: str) -> Iterator[Utterance]:
    """`<root>/<corpus>/metadata.csv` with columns path,speaker,text,duration_s; path relative to root."""
    root = Path(root)
    with open(root / corpus / "metadata.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            yield Utterance(root / row["path"], row["speaker"], row.get("text") or "", corpus)


def read_librispeech(root: str | Path, corpus: str = "librispeech") -> Iterator[Utterance]:
    """`<root>/<speaker>/<chapter>/<spk>-<chapter>-<n>.flac`, transcripts in `<spk>-<chapter>.trans.txt`."""
    for trans in sorted(Path(root).glob("*/*/*.trans.txt")):
        speaker = trans.parent.parent.name
        for line in trans.read_text(encoding="utf-8").splitlines():
            utt_id, _, text = line.strip().partition(" ")
            audio = trans.parent / f"{utt_id}.flac"
            if utt_id and audio.exists():
                yield Utterance(audio, speaker, text.strip(), corpus)


def read_vctk(root: str | Path, corpus: str = "vctk") -> Iterator[Utterance]:
    """`<root>/wav48*/pXXX/<id>.wav|.flac` (any mic suffix `_mic1`), text in `<root>/txt/pXXX/<id>.txt`."""
    root = Path(root)
    for wav_dir in sorted(root.glob("wav48*")):
        # VCTK 0.92 has two microphones per utterance: keep mic1 only, so no utterance counts twice.
        for audio in sorted(p for p in wav_dir.glob("*/*")
                            if p.suffix in (".wav", ".flac") and not p.stem.endswith("_mic2")):
            speaker = audio.parent.name
            utt_id = audio.stem.split("_mic")[0]
            txt = root / "txt" / speaker / f"{utt_id}.txt"
            text = txt.read_text(encoding="utf-8").strip() if txt.exists() else ""
            yield Utterance(audio, speaker, text, corpus)


def read_ljspeech(root: str | Path, corpus: str = "ljspeech", speaker: str = "lj") -> Iterator[Utterance]:
    """`<root>/metadata.csv` lines `id|raw text|normalised text`, audio `<root>/wavs/<id>.wav`."""
    root = Path(root)
    for line in (root / "metadata.csv").read_text(encoding="utf-8").splitlines():
        fields = line.split("|")
        if len(fields) < 2:
            continue
        text = fields[2] if len(fields) > 2 and fields[2] else fields[1]
        audio = root / "wavs" / f"{fields[0]}.wav"
        if audio.exists():
            yield Utterance(audio, speaker, text.strip(), corpus)
