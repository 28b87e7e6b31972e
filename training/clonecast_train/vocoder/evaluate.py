"""Resynthesis check of the exported vocoder on the held-out real utterances (never packed).

    npm run build && cd training && OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m clonecast_train.vocoder.evaluate \\
        --models ../models --engines native,griffin-lim --out ../runs/vocoder_eval

For each utterance: the original and each engine's resynthesis (`clonecast resynth`, which aligns the
output with the input) are compared by
  - log-spectral distance (dB; 512-point STFT, hop 128, bins within synthMel's 55-7600 Hz band,
    frames within 50 dB of the loudest), and
  - periodicity (mean peak of the normalised autocorrelation at 2.5-16 ms lags over the loudest 40 %
    of 40 ms frames: how voiced it sounds; a noise-excited vocoder scores low), and
  - pocketsphinx (en-US) word error rate of the resynthesis against the recogniser's own transcript of
    the original (WER vs orig.), and for English prompts with a transcript, both WERs against the text.
Spanish audio gets the distance only. Prints a markdown table; writes results.json to --out.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

import numpy as np

from ..features import SYNTH_MEL
from .pack import choose_heldout, read_metadata

REPO = Path(__file__).resolve().parents[3]
NUMBERS = "zero one two three four five six seven eight nine".split()


def words(text: str) -> list[str]:
    text = re.sub(r"\d", lambda m: f" {NUMBERS[int(m.group())]} ", text.lower())
    return re.findall(r"[a-z']+", text)


def wer(ref: list[str], hyp: list[str]) -> float:
    if not ref:
        return float("nan")
    d = np.arange(len(hyp) + 1)
    for i, r in enumerate(ref, 1):
        prev, d[0] = d.copy(), i
        for j, h in enumerate(hyp, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r != h))
    return float(d[-1]) / len(ref)


def transcribe(wav: Path) -> list[str]:
    out = subprocess.run(["pocketsphinx_continuous", "-infile", str(wav), "-logfn", "/dev/null"],
                         capture_output=True, text=True, check=True).stdout
    return words(" ".join(out.split("\n")))


def lsd_db(a: np.ndarray, b: np.ndarray) -> float:
    n = min(len(a), len(b))
    win, hop = 512, 128
    idx = np.arange(win)[None, :] + hop * np.arange((n - win) // hop + 1)[:, None]
    w = np.hanning(win)
    freqs = np.fft.rfftfreq(win, 1 / SYNTH_MEL["sampleRate"])
    band = (freqs >= SYNTH_MEL["fmin"]) & (freqs <= SYNTH_MEL["fmax"])
    pa = np.abs(np.fft.rfft(a[:n][idx] * w, axis=1))[:, band] ** 2 + 1e-10
    pb = np.abs(np.fft.rfft(b[:n][idx] * w, axis=1))[:, band] ** 2 + 1e-10
    energy = 10 * np.log10(pa.sum(axis=1))
    keep = energy > energy.max() - 50
    diff = 10 * np.log10(pa[keep]) - 10 * np.log10(pb[keep])
    return float(np.mean(np.sqrt(np.mean(diff ** 2, axis=1))))


def periodicity(x: np.ndarray) -> float:
    rate = SYNTH_MEL["sampleRate"]
    win, hop = int(0.04 * rate), int(0.01 * rate)
    if len(x) < win:
        return float("nan")
    frames = np.stack([x[i * hop: i * hop + win] for i in range((len(x) - win) // hop + 1)])
    frames = frames - frames.mean(axis=1, keepdims=True)
    energy = (frames ** 2).sum(axis=1)
    lo, hi = int(0.0025 * rate), int(0.016 * rate)
    peaks = []
    for f in frames[energy > np.percentile(energy, 60)]:
        r = np.correlate(f, f, "full")[win - 1: win - 1 + hi]
        peaks.append(r[lo:hi].max() / (r[0] + 1e-12))
    return float(np.mean(peaks))


def main() -> None:
    import soundfile as sf

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../../shared/data"))
    ap.add_argument("--models", type=Path, default=Path("../models"))
    ap.add_argument("--engines", default="native,griffin-lim")
    ap.add_argument("--out", type=Path, default=Path("../runs/vocoder_eval"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N held-out utterances (quick checks)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = {r["path"]: r for r in read_metadata(args.data)}
    engines = args.engines.split(",")
    results = []
    heldout = sorted(choose_heldout(list(rows.values())))
    for path in heldout[:args.limit] if args.limit else heldout:
        row = rows[path]
        audio, sr = sf.read(args.data / path, dtype="float64")
        stem = path.replace("/", "_").removesuffix(".flac")
        orig = args.out / f"{stem}.wav"
        sf.write(orig, audio, sr, subtype="PCM_16")
        english = row["corpus"] != "asterisk_es"
        hyp_orig = transcribe(orig) if english else []
        ref = words(row["text"]) if english and row["text"] else []
        entry = {"path": path, "seconds": len(audio) / sr,
                 "original": {"hyp": " ".join(hyp_orig), "werText": wer(ref, hyp_orig), "periodicity": periodicity(audio)}}
        for engine in engines:
            out = args.out / f"{stem}.{engine}.wav"
            info = subprocess.run(["node", str(REPO / "dist/src/client/cli.js"), "resynth", "--in", str(orig), "--out", str(out),
                                   "--engine", engine, "--models", str(args.models)], capture_output=True, text=True, check=True).stdout
            resyn, _ = sf.read(out, dtype="float64")
            hyp = transcribe(out) if english else []
            entry[engine] = {"lsdDb": lsd_db(audio, resyn), "periodicity": periodicity(resyn), "werVsOriginal": wer(hyp_orig, hyp) if english else float("nan"),
                             "werText": wer(ref, hyp), "hyp": " ".join(hyp), "resynth": info.strip()}
        results.append(entry)
        print(json.dumps({k: v for k, v in entry.items()}, default=str)[:400], flush=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1))

    def fmt(x: float) -> str:
        return "-" if x != x else f"{x:.2f}"

    print("\n| utterance | s | orig: WER text / periodicity | "
          + " | ".join(f"{e}: LSD dB / WER vs orig / WER text / periodicity" for e in engines) + " |")
    print("|---|---|---|" + "---|" * len(engines))
    for r in results:
        cells = [f"{fmt(r[e]['lsdDb'])} / {fmt(r[e]['werVsOriginal'])} / {fmt(r[e]['werText'])} / {fmt(r[e]['periodicity'])}"
                 for e in engines]
        orig = f"{fmt(r['original']['werText'])} / {fmt(r['original']['periodicity'])}"
        print(f"| {r['path']} | {r['seconds']:.1f} | {orig} | " + " | ".join(cells) + " |")
    print(f"mean original: periodicity {np.nanmean([r['original']['periodicity'] for r in results]):.2f}")
    for e in engines:
        lsd = np.nanmean([r[e]["lsdDb"] for r in results])
        w = np.nanmean([r[e]["werVsOriginal"] for r in results])
        per = np.nanmean([r[e]["periodicity"] for r in results])
        print(f"mean {e}: LSD {lsd:.2f} dB, WER vs original transcript {w:.2f}, periodicity {per:.2f}")


if __name__ == "__main__":
    main()
