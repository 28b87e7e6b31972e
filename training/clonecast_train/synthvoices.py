"""Synthetic multi-speaker English corpus from local TTS engines, in the shared data layout.

Base voices: flite (kal, kal16, awb, rms, slt), festival (kal_diphone, ked_diphone,
cmu_us_slt_arctic_hts) and espeak-ng (several accents x `+m1..m7`/`+f1..f5` variants with their
own pitch `-p` and speed `-s`). Derived voices: a base voice through sox `pitch` (+-2..5
semitones, which also moves the formants: a different vocal tract) and `tempo`; each derived voice
is a new speaker name. Every voice reads its own sentences (sentences.training_sentences, never
the eval sentences).

Output: `<out>/<voice>/<nnnn>.flac` (16 kHz mono 16-bit) and `<out>/metadata.csv`
(path,speaker,text,duration_s; path relative to out's parent, like /work/shared/data).
Resumable and growable: a rerun with a larger `--seconds` adds utterances to every voice.

    python -m clonecast_train.synthvoices --out ../data/synthetic --seconds 120
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .audio import SAMPLE_RATE, load_audio, write_flac
from .sentences import training_sentences


@dataclass(frozen=True)
class Voice:
    name: str                      # speaker name in the corpus
    engine: str                    # "flite" | "festival" | "espeak"
    voice: str                     # the engine's voice name
    engine_args: tuple = ()        # extra engine arguments (espeak pitch/speed)
    sox_effects: tuple = field(default=())  # e.g. ("pitch", "300", "tempo", "1.1")


FLITE = ["kal", "kal16", "awb", "rms", "slt"]
FESTIVAL = ["kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"]
ESPEAK_ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbclan", "en-gb-x-gbcwmd"]
ESPEAK_VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5"]


def voice_list(seed: int = 1234) -> list[Voice]:
    """The fixed, ordered voice roster (deterministic for a seed)."""
    rng = random.Random(seed)
    voices = [Voice(f"flite-{v}", "flite", v) for v in FLITE]
    voices += [Voice(f"festival-{v.split('_')[0] if 'diphone' in v else 'slt-hts'}", "festival", v) for v in FESTIVAL]
    base = list(voices)
    # espeak: each accent with 4 different variants, each with its own pitch and speed.
    for accent in ESPEAK_ACCENTS:
        for variant in rng.sample(ESPEAK_VARIANTS, 4):
            pitch, speed = rng.randint(25, 75), rng.randint(145, 185)
            voices.append(Voice(f"espeak-{accent}-{variant}-p{pitch}-s{speed}", "espeak", f"{accent}+{variant}",
                                ("-p", str(pitch), "-s", str(speed))))
    # derived voices from the flite/festival ones (more natural than espeak): 4 per base voice.
    for b in base:
        for semitones in rng.sample([-5, -4, -3, -2, 2, 3, 4, 5], 4):
            tempo = round(rng.uniform(0.88, 1.12), 2)
            voices.append(Voice(f"{b.name}-ps{semitones:+d}-t{tempo}", b.engine, b.voice, b.engine_args,
                                ("pitch", str(semitones * 100), "tempo", "-s", str(tempo))))
    return voices


def _engine_command(v: Voice, text_file: str, wav: str) -> list[str]:
    if v.engine == "flite":
        return ["flite", "-voice", v.voice, "-f", text_file, "-o", wav]
    if v.engine == "festival":
        return ["text2wave", "-o", wav, "-eval", f"(voice_{v.voice})", text_file]
    if v.engine == "espeak":
        return ["espeak-ng", "-v", v.voice, *v.engine_args, "-w", wav, "-f", text_file]
    raise ValueError(f"unknown engine {v.engine!r}")


def trim_silence(audio: np.ndarray, threshold: float = 0.01, margin_s: float = 0.15) -> np.ndarray:
    """Cut leading/trailing samples quieter than `threshold`, keeping `margin_s` of edge."""
    loud = np.flatnonzero(np.abs(audio) >= threshold)
    if len(loud) == 0:
        return audio[:0]
    m = int(margin_s * SAMPLE_RATE)
    return audio[max(0, loud[0] - m): loud[-1] + m]


def synthesize(v: Voice, text: str, tmp: str) -> np.ndarray:
    """Speak `text` with voice `v` -> float32 16 kHz mono (trimmed, not gain-normalised)."""
    text_file, raw, fx = f"{tmp}/t.txt", f"{tmp}/raw.wav", f"{tmp}/fx.wav"
    Path(text_file).write_text(text + "\n", encoding="utf-8")
    subprocess.run(_engine_command(v, text_file, raw), check=True, capture_output=True, timeout=120)
    if v.sox_effects:
        subprocess.run(["sox", raw, fx, *v.sox_effects], check=True, capture_output=True, timeout=120)
        raw = fx
    return trim_silence(load_audio(raw))


def _read_index(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_metadata(out: Path) -> int:
    """Rebuild `<out>/metadata.csv` from the per-voice indexes (atomic replace); returns row count."""
    rows = []
    for index in sorted((out / ".index").glob("*.csv")):
        rows += _read_index(index)
    tmp = out / "metadata.csv.tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["path", "speaker", "text", "duration_s"])
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, out / "metadata.csv")
    return len(rows)


def grow_voice(v: Voice, sentences: list[str], out: Path, seconds: float, seed: int) -> float:
    """Add utterances to voice `v` until it has `seconds` of speech; returns its total seconds."""
    index = out / ".index" / f"{v.name}.csv"
    rows = _read_index(index)
    total = sum(float(r["duration_s"]) for r in rows)
    rng = np.random.default_rng([zlib.crc32(v.name.encode()), seed, len(rows)])
    with tempfile.TemporaryDirectory() as tmp:
        n = len(rows)
        while total < seconds and n < len(sentences):
            text = sentences[n]
            audio = synthesize(v, text, tmp)
            n += 1
            if len(audio) < SAMPLE_RATE // 2:
                continue
            # Peak level varies per utterance (-7..-1 dBFS) so loudness is no speaker cue.
            audio = audio / max(np.max(np.abs(audio)), 1e-6) * 10 ** (rng.uniform(-7, -1) / 20)
            rel = f"{out.name}/{v.name}/{n:04d}.flac"
            write_flac(out.parent / rel, audio)
            dur = len(audio) / SAMPLE_RATE
            rows.append({"path": rel, "speaker": v.name, "text": text, "duration_s": f"{dur:.3f}"})
            total += dur
    index.parent.mkdir(parents=True, exist_ok=True)
    with open(index, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["path", "speaker", "text", "duration_s"])
        w.writeheader()
        w.writerows(rows)
    return total


def voice_sentences(sentences: list[str], voice_idx: int, n_voices: int, seed: int) -> list[str]:
    """Voice i reads sentences i, i+V, i+2V, ... of one seeded shuffle: disjoint across voices, stable."""
    order = list(sentences)
    random.Random(seed).shuffle(order)
    return order[voice_idx::n_voices]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m clonecast_train.synthvoices")
    p.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "data" / "synthetic"))
    p.add_argument("--seconds", type=float, default=120.0, help="target seconds of speech per voice")
    p.add_argument("--voices", type=int, default=0, help="only the first N voices (0: all)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--list", action="store_true", help="print the voice roster and exit")
    args = p.parse_args(argv)
    voices = voice_list(args.seed)
    if args.voices:
        voices = voices[: args.voices]
    if args.list:
        for v in voices:
            print(v.name, v.engine, v.voice, " ".join(v.engine_args), " ".join(v.sox_effects))
        return
    out = Path(args.out).resolve()
    sentences = training_sentences()
    n_all = len(voice_list(args.seed))
    for i, v in enumerate(voices):
        total = grow_voice(v, voice_sentences(sentences, i, n_all, args.seed), out, args.seconds, args.seed)
        rows = write_metadata(out)
        print(f"[{i + 1}/{len(voices)}] {v.name}: {total:.0f} s; metadata rows {rows}", flush=True)


if __name__ == "__main__":
    main()
