"""End-to-end evaluation of the served defaults: `clonecast serve` + `clonecast say` over a real socket.

For each reference voice and each of the 20 held-out eval sentences, the client clones the voice from the
reference WAV, speaks the sentence, decodes the Opus it receives and writes a WAV. Then:
  - intelligibility: pocketsphinx word error rate per voice (and of the real reference recordings);
  - cloning: the speaker encoder's cosine of each output to its own reference vs. the other references.

    cd training && OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 scripts/eval_served.py \
        --vocoder griffin-lim --out ../runs/eval_served

Embeddings come from `clonecast embed`: the served encoder, with the server's own DSP and VAD.
Needs `npm run build` first, pocketsphinx, sox, flite.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from clonecast_train.audio import load_audio  # noqa: E402
from clonecast_train.evaluate.similarity import similarity_table  # noqa: E402
from clonecast_train.evaluate.wer import corpus_wer, recognize_file  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
CLI = REPO / "dist" / "src" / "client" / "cli.js"


def concat_reference(files: list[Path], out: Path, seconds: float = 10.0) -> Path:
    """Joins utterances (with 0.2 s gaps) up to `seconds` into a 16 kHz WAV."""
    parts, total = [], 0.0
    for f in files:
        audio = load_audio(f)
        parts += [audio, np.zeros(3200, dtype=np.float32)]
        total += len(audio) / 16000
        if total >= seconds:
            break
    sf.write(out, np.concatenate(parts), 16000, subtype="PCM_16")
    return out


# Reference texts for the synthetic voices made here (not eval sentences, not in the training corpus).
FLITE_TEXTS = [
    "Every morning the old ferry crosses the river while gulls circle above the harbour and the town slowly wakes.",
    "A narrow path climbs through the pine forest to a stone hut where walkers rest before the last steep mile.",
]


def flite_reference(voice: str, out: Path, pitch: int = 0) -> Path:
    """Two sentences by a flite voice at 16 kHz, optionally shifted by `pitch` cents."""
    raw = out.with_suffix(".raw.wav")
    subprocess.run(["flite", "-voice", voice, "-t", " ".join(FLITE_TEXTS), "-o", str(raw)], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-b", "16", str(out), *(["pitch", str(pitch)] if pitch else [])], check=True)
    return out


def references(work: Path) -> dict[str, Path]:
    """Voices: in the synthesizer's training set (allison, flite-slt) and unseen by it (a held-out
    LibriSpeech reader, and a flite voice shifted to a pitch no training voice has)."""
    work.mkdir(parents=True, exist_ok=True)
    refs = {
        "allison (real, trained)": sorted((SHARED / "asterisk_en" / "allison").glob("*.flac"))[100:110],
    }
    held = sorted(p for p in (SHARED / "librispeech").iterdir() if p.is_dir() and len(list(p.glob("*.flac"))) >= 10)
    refs["librispeech-" + held[0].name + " (real, unseen)"] = sorted(held[0].glob("*.flac"))[:4]
    out = {}
    for name, files in refs.items():
        out[name] = concat_reference(files, work / f"ref_{len(out)}.wav")
    out["flite-slt (synthetic, trained)"] = flite_reference("slt", work / f"ref_{len(out)}.wav")
    out["flite-awb pitch -7 (synthetic, unseen)"] = flite_reference("awb", work / f"ref_{len(out)}.wav", pitch=-700)
    return out


def served_embeddings(files: list[Path]) -> list[np.ndarray]:
    """Embeddings of 16 kHz WAVs by `clonecast embed` (the served encoder). A clip shorter than 3.2 s
    is embedded repeated up to that length, so a short sentence still fills the encoder's 1.6 s windows."""
    inputs = []
    for f in files:
        audio = load_audio(f)
        if len(audio) < 3.2 * 16000:
            audio = np.tile(audio, int(np.ceil(3.2 * 16000 / max(1, len(audio)))))
            f = f.with_suffix(".repeated.wav")
            sf.write(f, audio, 16000, subtype="PCM_16")
        inputs.append(f)
    run = subprocess.run(["node", str(CLI), "embed", *[a for f in inputs for a in ("--in", str(f))], "--json"],
                         capture_output=True, text=True, check=True)
    return [np.asarray(f["embedding"], dtype=np.float32) for f in json.loads(run.stdout)["files"]]


def start_server(port: int, vocoder: str, models: Path | None) -> subprocess.Popen:
    proc = subprocess.Popen(["node", str(CLI), "serve", "--port", str(port), "--vocoder", vocoder,
                             "--data", "/tmp/clonecast-eval-data", *(["--models", str(models)] if models else [])],
                            stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if "ready" in line:
            return proc
    raise RuntimeError("server did not start")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocoder", default="griffin-lim", choices=["wavernn", "griffin-lim"])
    ap.add_argument("--out", type=Path, default=REPO / "runs" / "eval_served")
    ap.add_argument("--port", type=int, default=18731)
    ap.add_argument("--sentences", type=int, default=20)
    ap.add_argument("--models", type=Path, default=None, help="model directory to serve (default: the embedded models/)")
    a = ap.parse_args()
    sentences = [s.strip() for s in (REPO / "training" / "eval_sentences.txt").read_text().splitlines() if s.strip()]
    sentences = sentences[: a.sentences]
    out = a.out / a.vocoder
    refs = references(a.out / "refs")
    server = start_server(a.port, a.vocoder, a.models)
    results: dict = {"vocoder": a.vocoder, "voices": {}}
    try:
        for v, (name, ref) in enumerate(refs.items()):
            rows = []
            for i, text in enumerate(sentences):
                wav = out / f"v{v}_s{i:02d}.wav"
                wav.parent.mkdir(parents=True, exist_ok=True)
                run = subprocess.run(["node", str(CLI), "say", "--server", f"ws://127.0.0.1:{a.port}", "--voice", str(ref),
                                      "--text", text, "--out", str(wav), "--json"], capture_output=True, text=True)
                if run.returncode != 0:
                    raise RuntimeError(f"say failed for {name}: {run.stderr}")
                figures = json.loads(run.stdout.strip().splitlines()[-1])
                rows.append({"text": text, "wav": str(wav), "hypothesis": recognize_file(wav), **figures})
            results["voices"][name] = {"reference": str(ref), "utterances": rows,
                                       "wer": corpus_wer([(r["text"], r["hypothesis"]) for r in rows]),
                                       "ttfaMsMedian": float(np.median([r["ttfaMs"] for r in rows])),
                                       "rtfMedian": float(np.median([r["rtf"] for r in rows]))}
            print(f"{name}: WER {results['voices'][name]['wer']:.3f}, "
                  f"TTFA p50 {results['voices'][name]['ttfaMsMedian']:.0f} ms", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=20)

    ref_emb = dict(zip(refs, served_embeddings(list(refs.values()))))
    outputs = {name: served_embeddings([Path(r["wav"]) for r in res["utterances"]])
               for name, res in results["voices"].items()}
    results["similarity"] = similarity_table(outputs, ref_emb)
    all_rows = [r for res in results["voices"].values() for r in res["utterances"]]
    results["werAll"] = corpus_wer([(r["text"], r["hypothesis"]) for r in all_rows])
    (a.out / f"summary_{a.vocoder}.json").write_text(json.dumps(results, indent=1, default=float))
    print(json.dumps({"werAll": results["werAll"], "similarity": results["similarity"]}, indent=1, default=float))


if __name__ == "__main__":
    t0 = time.time()
    main()
    print(f"{time.time() - t0:.0f} s")
