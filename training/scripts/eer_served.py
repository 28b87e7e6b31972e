"""Equal error rate of the served speaker encoder on the held-out LibriSpeech speakers.

The 10 test-other speakers of ../shared/data/librispeech (the ones with several utterances) are never
packed for training (encoder/pack.py). Each utterance is embedded by `clonecast embed` (the ONNX
encoder with the server's own DSP, VAD, partial windows and averaging), then every pair is scored by
cosine. Utterances with less than one 1.6 s window of speech are skipped, as enrollment would.

    npm run build && cd training && /usr/bin/python3 scripts/eer_served.py [--models ../models]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from clonecast_train.encoder.eer import equal_error_rate, pair_scores  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
LIBRI = REPO.parent / "shared" / "data" / "librispeech"
CLI = REPO / "dist" / "src" / "client" / "cli.js"


def held_out_utterances() -> list[tuple[str, Path]]:
    files = sorted(LIBRI.glob("*/*.flac"))
    counts = Counter(f.parent.name for f in files)
    return [(f.parent.name, f) for f in files if counts[f.parent.name] > 1]


def embed(wavs: list[Path], models: Path | None) -> list[np.ndarray | None]:
    """One `clonecast embed` per file (a file too short for a window gives None)."""
    out = []
    for wav in wavs:
        cmd = ["node", str(CLI), "embed", "--in", str(wav), "--json", *(["--models", str(models)] if models else [])]
        run = subprocess.run(cmd, capture_output=True, text=True)
        out.append(np.asarray(json.loads(run.stdout)["files"][0]["embedding"], np.float32) if run.returncode == 0 else None)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, default=None)
    a = ap.parse_args()
    utts = held_out_utterances()
    with tempfile.TemporaryDirectory() as tmp:
        wavs = []
        for i, (_, flac) in enumerate(utts):
            audio, rate = sf.read(str(flac), dtype="int16")
            wavs.append(Path(tmp) / f"{i:04d}.wav")
            sf.write(wavs[-1], audio, rate, subtype="PCM_16")
        embeddings = embed(wavs, a.models)
    kept = [(s, e) for (s, _), e in zip(utts, embeddings) if e is not None]
    speakers = np.array([s for s, _ in kept])
    scores, same = pair_scores(np.stack([e for _, e in kept]), speakers)
    eer = equal_error_rate(scores, same)
    print(json.dumps({"speakers": len(set(speakers)), "utterances": len(kept), "skipped": len(utts) - len(kept),
                      "pairs": int(len(scores)), "eer": round(eer, 4),
                      "sameMeanCosine": round(float(scores[same].mean()), 3),
                      "differentMeanCosine": round(float(scores[~same].mean()), 3)}))


if __name__ == "__main__":
    main()
