"""`pack`: transcribed corpora -> one compact .npz of synthMel targets and symbol ids.

Per utterance: the transcript is normalised (english-v1) and mapped to ids; the audio's synthMel
(features.log_mel with SYNTH_MEL) is trimmed to speech (frames within `TRIM_DB` of the loudest,
plus `TRIM_MARGIN` frames each side) and quantised to uint8 over [MEL_MIN, MEL_MAX] (step 0.057
nats, about 0.5 dB; far below what the model resolves). Skipped: eval sentences, transcripts with
stage notes (`[@]`, `<beep>`, `(simple tone ...)`), nothing speakable, more symbols than frames (the
alignment needs at least one frame per symbol), or longer than `max_frames`.

If everything does not fit `budget_mb`, speakers are capped to equal seconds (water-filling, the
real speakers named in `keep_full` exempt), keeping a seeded random subset of each capped
speaker's utterances.

Arrays: see data.py (SynthData reads them back; it imports no audio library, so training runs
where soundfile is missing).
"""
from __future__ import annotations

import csv
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio import load_audio
from ..features import SYNTH_MEL, frame_rms_db, log_mel
from ..sentences import eval_sentences, text_key
from ..text import has_letters, normalize, to_ids
from .data import MEL_MAX, MEL_MIN, pack_mel, quantize

TRIM_DB = 40.0
TRIM_MARGIN = 3
_STAGE_NOTE = re.compile(r"[\[\]<>()]")


@dataclass
class Item:
    speaker: str
    corpus: str
    path: Path
    text: str            # normalised
    seconds: float


def read_metadata(metadata: Path, corpus: str) -> list[tuple[Path, str, str, float]]:
    """metadata.csv (path,speaker,text,duration_s; path relative to the csv's parent's parent)."""
    root = metadata.parent.parent
    with open(metadata, newline="", encoding="utf-8") as f:
        return [(root / r["path"], r["speaker"], r["text"] or "", float(r["duration_s"] or 0)) for r in csv.DictReader(f)]


def select(metadatas: list[tuple[Path, str]], speakers: set[str] | None = None) -> tuple[list[Item], dict[str, int]]:
    """Items usable for training (of `speakers` only, when given), and counts of what was skipped and why."""
    held_out = {text_key(s) for s in eval_sentences()}
    items, skipped = [], {"eval_sentence": 0, "stage_note": 0, "unspeakable": 0}
    for metadata, corpus in metadatas:
        for path, speaker, raw, seconds in read_metadata(metadata, corpus):
            if speakers is not None and speaker not in speakers:
                continue
            if text_key(raw) in held_out:
                skipped["eval_sentence"] += 1
            elif _STAGE_NOTE.search(raw):
                skipped["stage_note"] += 1
            elif not has_letters(normalize(raw)):
                skipped["unspeakable"] += 1
            else:
                items.append(Item(speaker, corpus, path, normalize(raw), seconds))
    return items, skipped


def water_fill(items: list[Item], budget_seconds: float, keep_full: set[str], seed: int) -> list[Item]:
    """Equal per-speaker seconds cap so the total fits; speakers in keep_full keep everything."""
    by_speaker: dict[str, list[Item]] = {}
    for it in items:
        by_speaker.setdefault(it.speaker, []).append(it)
    fixed = sum(it.seconds for s, its in by_speaker.items() if s in keep_full for it in its)
    capped = {s: sum(it.seconds for it in its) for s, its in by_speaker.items() if s not in keep_full}
    room = budget_seconds - fixed
    if sum(capped.values()) <= room:
        return items
    lo, hi = 0.0, max(capped.values())
    for _ in range(50):
        cap = (lo + hi) / 2
        lo, hi = (cap, hi) if sum(min(v, cap) for v in capped.values()) <= room else (lo, cap)
    out = []
    for s, its in by_speaker.items():
        if s in keep_full:
            out += its
            continue
        rng = np.random.default_rng(seed + zlib.crc32(s.encode()))
        total = 0.0
        for i in rng.permutation(len(its)):
            if total + its[i].seconds > lo:
                continue
            out.append(its[i])
            total += its[i].seconds
    return out


def trimmed_mel(audio: np.ndarray) -> np.ndarray:
    """synthMel [T,80] of the speech part: frames within TRIM_DB of the loudest, +- TRIM_MARGIN."""
    mel = log_mel(audio, SYNTH_MEL)
    db = frame_rms_db(audio, SYNTH_MEL)
    loud = np.nonzero(db >= db.max() - TRIM_DB)[0] if len(db) else np.zeros(0, dtype=int)
    if len(loud) == 0:
        return mel[:0]
    return mel[max(0, loud[0] - TRIM_MARGIN): loud[-1] + TRIM_MARGIN + 1]


def pack(metadatas: list[tuple[Path, str]], out: Path, budget_mb: float, max_frames: int,
         keep_full: set[str], seed: int = 0, speakers: set[str] | None = None) -> dict:
    """Writes `out` (.npz); returns a summary (also printed)."""
    items, skipped = select(metadatas, speakers)
    fps = SYNTH_MEL["sampleRate"] / SYNTH_MEL["hopLength"]
    # Budget in raw uint8 mel bytes (80 per frame); trimming and compression only make it smaller.
    kept = water_fill(items, budget_mb * 1e6 / (SYNTH_MEL["nMels"] * fps), keep_full, seed)
    speakers = sorted({it.speaker for it in kept})
    spk_index = {s: i for i, s in enumerate(speakers)}
    mels, ids, utt_speaker, texts, corpora = [], [], [], [], []
    skipped.update(too_long=0, too_short=0)
    for n, it in enumerate(kept):
        mel = trimmed_mel(load_audio(it.path))
        sym = to_ids(it.text)
        if len(mel) > max_frames:
            skipped["too_long"] += 1
            continue
        if len(mel) < len(sym):
            skipped["too_short"] += 1
            continue
        mels.append(quantize(mel))
        ids.append(np.array(sym, dtype=np.uint8))
        utt_speaker.append(spk_index[it.speaker])
        texts.append(it.text)
        corpora.append(it.corpus)
        if (n + 1) % 500 == 0:
            print(f"  {n + 1}/{len(kept)} utterances")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    mel = np.concatenate(mels)
    np.savez_compressed(
        out, mel_lzma=pack_mel(mel), mel_shape=np.array(mel.shape), mel_offsets=np.cumsum([0] + [len(m) for m in mels]),
        ids=np.concatenate(ids), id_offsets=np.cumsum([0] + [len(i) for i in ids]),
        utt_speaker=np.array(utt_speaker, dtype=np.int32), speakers=np.array(speakers),
        texts=np.array(texts), corpus=np.array(corpora), mel_range=np.array([MEL_MIN, MEL_MAX], dtype=np.float32))
    frames = sum(len(m) for m in mels)
    summary = {"utterances": len(mels), "speakers": len(speakers), "speech_minutes": round(frames / fps / 60, 1),
               "selected_before_budget": len(items), "kept_after_budget": len(kept), "skipped": skipped,
               "megabytes": round(out.stat().st_size / 1e6, 1), "out": str(out)}
    print(summary)
    return summary
