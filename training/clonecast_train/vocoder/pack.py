"""Pack all real speech of ../shared/data into one compact file for vocoder training (GPU side).

    cd training && /usr/bin/python3 -m clonecast_train.vocoder.pack --out ../.device-data/vocoder.npz

Stored: 9-bit mu-law classes of the *pre-emphasised* audio (the training targets), all utterances
concatenated, split into the high 8 bits and the low bit (bit-packed), each plane lzma-compressed
(about 6.9 bits/sample; deflate on uint16 took 9.8). The training side rebuilds the audio (decode,
de-emphasise) and recomputes the synthMel conditioning from it with features.log_mel, so no
feature is stored twice. mu-law noise at 9 bits (about -86 dBFS near silence) is below the mel's
log floor, so the rebuilt mel equals the original's to within the floor.

Held out for evaluation (never packed): the first utterance of each of 8 librispeech test-other
speakers, one asterisk_en and one asterisk_es utterance (listed in the file as `heldout`).
All 1.95 h do not fit in 50 MB (about 97 MB). To keep every speaker, librispeech utterances are
cropped to their first --max-seconds (chosen to fit --max-mb) and only every --asterisk-every-th
asterisk utterance (one speaker, both languages) is kept; the report says what was kept.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import lzma
from pathlib import Path

import numpy as np

from ..features import SYNTH_MEL, preemphasize
from .mulaw import encode

CORPORA = ("librispeech", "asterisk_en", "asterisk_es")
# librispeech test-other speakers (10 utterances each); the first of each of 8 is held out.
HELDOUT_LIBRI = 8
# lzma size of the two planes, measured on this data (6.9), with margin.
BITS_PER_SAMPLE = 7.0


def read_metadata(data_dir: Path) -> list[dict]:
    rows = []
    for corpus in CORPORA:
        with open(data_dir / corpus / "metadata.csv", newline="") as f:
            for row in csv.DictReader(f):
                row["corpus"] = corpus
                rows.append(row)
    return rows


def choose_heldout(rows: list[dict]) -> set[str]:
    by_speaker: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        by_speaker.setdefault((r["corpus"], r["speaker"]), []).append(r["path"])
    multi = sorted(k for k, v in by_speaker.items() if k[0] == "librispeech" and len(v) >= 5)
    held = {sorted(by_speaker[k])[0] for k in multi[:HELDOUT_LIBRI]}
    for corpus in ("asterisk_en", "asterisk_es"):
        # a sentence-long prompt (the median of those >= 3 s), so the WER check has words to count
        rows_c = sorted((float(r["duration_s"]), r["path"]) for r in rows if r["corpus"] == corpus)
        long_ = [p for d, p in rows_c if d >= 3.0] or [p for _, p in rows_c]
        held.add(long_[len(long_) // 2])
    return held


def pack(data_dir: Path, out: Path, max_mb: float, asterisk_every: int) -> dict:
    import soundfile as sf

    rows = read_metadata(data_dir)
    heldout = choose_heldout(rows)
    train_rows = [r for r in rows if r["path"] not in heldout]
    utts = []
    for r in train_rows:
        audio, sr = sf.read(data_dir / r["path"], dtype="float64")
        if sr != SYNTH_MEL["sampleRate"]:
            raise ValueError(f"{r['path']}: sample rate {sr}, expected {SYNTH_MEL['sampleRate']}")
        if audio.ndim > 1:
            audio = audio.mean(axis=1)
        if len(audio) < SYNTH_MEL["winLength"] * 4:
            continue
        classes = encode(preemphasize(audio, SYNTH_MEL["preemphasis"])).astype(np.uint16)
        utts.append((r["path"], r["corpus"], r["speaker"], classes))

    asterisk = [u for u in utts if u[1] != "librispeech"][::asterisk_every]
    libri = [u for u in utts if u[1] == "librispeech"]
    budget = max_mb * 2 ** 20 * 8 / BITS_PER_SAMPLE - sum(len(u[3]) for u in asterisk)
    cap = _crop_length([len(u[3]) for u in libri], budget)
    while True:
        kept = [(p, c, s, x[:cap]) for p, c, s, x in libri] + asterisk
        blob = _serialise(kept, sorted(heldout))
        mb = len(blob) / 2 ** 20
        if mb <= max_mb:
            break
        cap = int(cap * 0.95)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(blob)
    total = sum(len(u[3]) for u in utts)
    kept_n = sum(len(u[3]) for u in kept)
    report = {
        "file": str(out), "megabytes": round(mb, 2), "utterances": len(kept), "of": len(utts),
        "hours": round(kept_n / SYNTH_MEL["sampleRate"] / 3600, 3),
        "hoursAvailable": round(total / SYNTH_MEL["sampleRate"] / 3600, 3),
        "librispeechMaxSeconds": round(cap / SYNTH_MEL["sampleRate"], 2), "asteriskEvery": asterisk_every,
        "heldout": sorted(heldout),
        "speakers": len({(u[1], u[2]) for u in kept}),
    }
    return report


def _crop_length(lengths: list[int], budget: float) -> int:
    """Largest per-utterance cap (samples) with sum(min(len, cap)) <= budget."""
    lo, hi = 0, max(lengths)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(min(n, mid) for n in lengths) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _serialise(utts: list, heldout: list[str]) -> bytes:
    lengths = np.array([len(u[3]) for u in utts], dtype=np.int64)
    classes = np.concatenate([u[3] for u in utts]).astype(np.uint16)
    hi = (classes >> 1).astype(np.uint8)
    lo = np.packbits((classes & 1).astype(np.uint8))
    meta = json.dumps({"paths": [u[0] for u in utts], "heldout": heldout,
                       "preemphasis": SYNTH_MEL["preemphasis"], "muBits": 9})
    buf = io.BytesIO()
    np.savez(buf, hi_lzma=np.frombuffer(lzma.compress(hi.tobytes()), np.uint8),
             lo_lzma=np.frombuffer(lzma.compress(lo.tobytes()), np.uint8),
             lengths=lengths, meta=np.array(meta))
    return buf.getvalue()


def load_packed(path: Path) -> tuple[list[np.ndarray], dict]:
    """The packed file -> (per-utterance int64 classes, meta dict)."""
    d = np.load(path)
    lengths = d["lengths"]
    total = int(lengths.sum())
    hi = np.frombuffer(lzma.decompress(d["hi_lzma"].tobytes()), np.uint8).astype(np.int64)
    lo = np.unpackbits(np.frombuffer(lzma.decompress(d["lo_lzma"].tobytes()), np.uint8))[:total]
    classes = (hi << 1) | lo
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    return [classes[bounds[i]:bounds[i + 1]] for i in range(len(lengths))], json.loads(str(d["meta"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("../.device-data/vocoder.npz"))
    ap.add_argument("--max-mb", type=float, default=50.0)
    ap.add_argument("--asterisk-every", type=int, default=3, help="keep every k-th asterisk utterance")
    args = ap.parse_args()
    print(json.dumps(pack(args.data, args.out, args.max_mb, args.asterisk_every), indent=1))


if __name__ == "__main__":
    main()
