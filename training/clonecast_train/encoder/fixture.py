"""Parity fixture for the server: the Python embedding of test/fixtures/dsp/speech16k.wav.

Written by `export` next to each export (keyed by the ONNX file's sha256), so a TypeScript test can
check that the server's VAD + encoderMel + partials + ONNX chain gives the embedding the training
code computes (docs/models.md), for exactly the model in models/.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..audio import load_audio
from .inference import embed_utterance, partial_windows
from .model import SpeakerEncoder
from .speech import speech_mels

REPO = Path(__file__).resolve().parents[3]
SPEECH_WAV = REPO / "test" / "fixtures" / "dsp" / "speech16k.wav"
FIXTURE = REPO / "test" / "fixtures" / "encoder" / "speech16k.embedding.json"


def write_fixture(model: SpeakerEncoder, onnx_sha256: str, wav: Path = SPEECH_WAV, out: Path = FIXTURE) -> Path:
    """-> JSON {encoderSha256, audio, speechFrames, windows, embedding[256]}."""
    frames = speech_mels(load_audio(wav))
    embedding = embed_utterance(model.eval(), frames)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "encoderSha256": onnx_sha256,
        "audio": str(Path(wav).resolve().relative_to(REPO)) if Path(wav).resolve().is_relative_to(REPO) else str(wav),
        "speechFrames": int(len(frames)),
        "windows": int(len(partial_windows(frames))),
        "embedding": [round(float(v), 7) for v in np.asarray(embedding)],
    }) + "\n")
    return out
