"""Evaluate a synthesizer checkpoint: pocketsphinx WER on the 20 held-out eval sentences
(vocoded by Griffin-Lim), reference WERs (real recordings, their Griffin-Lim resynthesis,
espeak-ng), and speaker similarity of cloned outputs (needs a speaker encoder checkpoint).

    cd training && /usr/bin/python3 -m clonecast_train.evaluate.synth_eval \\
        --checkpoint ../runs/synth/last.pt --pools ../.device-data/pools.npz \\
        --speakers allison flite-slt --encoder ../runs/encoder/<ckpt>.pt --references --out ../runs/synth_eval

Wavs and summary.json go to --out.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import zlib
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from ..audio import load_audio
from ..features import SYNTH_MEL, log_mel
from ..sentences import eval_sentences
from ..synthesizer.inference import synthesize_mel
from ..synthesizer.model import load_model
from ..synthesizer.pack import read_metadata
from .griffin_lim import griffin_lim
from .wer import corpus_wer, recognize, word_error_rate

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"  # ../shared/data beside the repo
REPO = Path(__file__).resolve().parents[3]
METADATA = [SHARED / "asterisk_en" / "metadata.csv", REPO / "data" / "synthetic" / "metadata.csv"]


def pool_embedding(pools: dict, name: str, dim: int = 256) -> np.ndarray:
    """Unit mean of the speaker's pool; for a speaker without a pool, the same fixed random vector training used."""
    if name in pools:
        v = np.asarray(pools[name], dtype=np.float32).mean(0)
    else:
        v = np.random.default_rng(zlib.crc32(name.encode())).normal(size=(1, dim)).astype(np.float32)[0]
    return v / np.linalg.norm(v)


def speaker_utterances(name: str, count: int) -> list[tuple[Path, str]]:
    """The first `count` transcribed utterances (2-8 s, no stage notes) of a speaker in the corpora."""
    out = []
    for md in METADATA:
        if md.exists():
            for path, speaker, text, seconds in read_metadata(md, md.parent.name):
                if speaker == name and 2.0 <= seconds <= 8.0 and text and not re.search(r"[\[\]<>()]", text):
                    out.append((path, text))
    return out[:count]


def wer_of(audios: list[np.ndarray], texts: list[str], out_dir: Path | None, tag: str) -> dict:
    pairs = []
    for i, (audio, text) in enumerate(zip(audios, texts)):
        if out_dir:
            sf.write(str(out_dir / f"{tag}_{i:02d}.wav"), audio, 16000, subtype="PCM_16")
        pairs.append((text, recognize(audio)))
    per = [round(word_error_rate(r, h), 3) for r, h in pairs]
    return {"wer": round(corpus_wer(pairs), 3), "perSentence": per, "hypotheses": [h for _, h in pairs]}


def espeak(text: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "e.wav"
        subprocess.run(["espeak-ng", "-w", str(wav), text], check=True, capture_output=True)
        return load_audio(wav)


def references(out_dir: Path) -> dict:
    sentences = eval_sentences()
    real = speaker_utterances("allison", 400)
    rng = np.random.default_rng(0)
    picked = [real[i] for i in sorted(rng.choice(len(real), size=min(20, len(real)), replace=False))]
    audio = [load_audio(p) for p, _ in picked]
    texts = [t for _, t in picked]
    return {
        "realAllison": wer_of(audio, texts, None, "real"),
        "realAllisonGriffinLim": wer_of([griffin_lim(log_mel(a, SYNTH_MEL)) for a in audio], texts, out_dir, "real_gl"),
        "espeakEvalSentences": wer_of([espeak(s) for s in sentences], sentences, out_dir, "espeak"),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", help="synthesizer checkpoint (runs/synth/last.pt)")
    p.add_argument("--pools", default=str(REPO / ".device-data" / "pools.npz"))
    p.add_argument("--speakers", nargs="+", default=["allison"])
    p.add_argument("--encoder", help="speaker encoder checkpoint: clone from reference audio and measure similarity")
    p.add_argument("--references", action="store_true", help="also measure reference WERs")
    p.add_argument("--sentences", type=int, default=20)
    p.add_argument("--duration-scale", type=float, default=None,
                   help="durations factor (default: the checkpoint's durationScale, else 1), as export bakes in")
    p.add_argument("--out", default=str(REPO / "runs" / "synth_eval"))
    a = p.parse_args()
    torch.set_num_threads(2)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    summary: dict = {}
    if a.references:
        summary["references"] = references(out)
        print(json.dumps({k: v["wer"] for k, v in summary["references"].items()}))
    if a.checkpoint:
        model, ckpt = load_model(Path(a.checkpoint))
        model.duration_scale = a.duration_scale if a.duration_scale is not None else float(ckpt.get("durationScale", 1.0))
        summary["checkpoint"] = {"path": a.checkpoint, "step": int(ckpt["step"]), "durationScale": model.duration_scale}
        pools = dict(np.load(a.pools)) if Path(a.pools).exists() else {}
        encoder = None
        if a.encoder:
            from ..encoder.checkpoints import load_model as load_encoder
            from .similarity import embed_audio, similarity_table
            encoder = load_encoder(Path(a.encoder)).eval()
        sentences = eval_sentences()[: a.sentences]
        refs, clones = {}, {}
        for name in a.speakers:
            if encoder is not None:  # cloning as the server does: embedding of the speaker's reference audio
                ref_audio = np.concatenate([load_audio(path) for path, _ in speaker_utterances(name, 3)])
                refs[name] = embed_audio(encoder, ref_audio)
                speaker, source = refs[name], "reference audio"
            else:
                speaker, source = pool_embedding(pools, name), "pool mean" if name in pools else "training's random vector"
            audio = [griffin_lim(synthesize_mel(model, s, speaker)) for s in sentences]
            summary[f"synth_{name}"] = {"speakerFrom": source, **wer_of(audio, sentences, out, f"synth_{name}")}
            print(f"{name}: WER {summary[f'synth_{name}']['wer']} ({source})", flush=True)
            if encoder is not None:
                clones[name] = [embed_audio(encoder, x) for x in audio]
        if encoder is not None:
            summary["similarity"] = similarity_table(clones, refs)
            print(json.dumps(summary["similarity"]))
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(f"wrote {out / 'summary.json'}")


if __name__ == "__main__":
    main()
