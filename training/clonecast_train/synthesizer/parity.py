"""Exported ONNX vs PyTorch: run both graphs through Node's onnxruntime-node (run_onnx.mjs, as the
server does; python onnxruntime is not installed here), compare with the PyTorch model on fixed
inputs, check chunked decoding equals whole decoding, and write the fixture
test/fixtures/synth/parity.json that the TypeScript tests check the installed models against.
"""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch

from ..text import normalize, text_to_ids
from .export import CHUNK_FRAMES
from .model import Synthesizer, length_regulate

REPO = Path(__file__).resolve().parents[3]
RUNNER = Path(__file__).with_name("run_onnx.mjs")
FIXTURE = REPO / "test" / "fixtures" / "synth" / "parity.json"
TEXT = "Hello there, Dr. Smith! It's 4:30."
TOLERANCE = 1e-4


def fixed_speaker(dim: int) -> np.ndarray:
    v = np.cos(np.arange(dim) * 0.37).astype(np.float32)
    return v / np.linalg.norm(v)


@torch.no_grad()
def pytorch_reference(model: Synthesizer, text: str, speaker: np.ndarray) -> dict:
    model = model.cpu().eval()
    ids = torch.tensor([text_to_ids(text)])
    mask = torch.ones(ids.shape)
    hidden = model.encode(ids, torch.from_numpy(speaker)[None], mask)
    durations = model.predict_durations(hidden, mask)
    frames = length_regulate(hidden[0], torch.round(durations[0]))
    mel = model.decoder(frames[None])[0]
    return {"ids": ids[0].tolist(), "hidden": hidden[0].numpy(), "durations": durations[0].numpy(),
            "frames": frames.numpy(), "mel": mel.numpy()}


def run_onnx(models_dir: Path, ids: list[int], speaker: np.ndarray, frames: np.ndarray, context: int,
             chunk_frames: int = CHUNK_FRAMES) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        inp = Path(tmp) / "in.json"
        inp.write_text(json.dumps({"symbols": ids, "speaker": speaker.tolist(), "frames": frames.reshape(-1).tolist(),
                                   "hiddenDim": int(frames.shape[1]), "chunkFrames": chunk_frames, "context": context}))
        out = subprocess.run(["node", str(RUNNER), str(models_dir), str(inp)], capture_output=True, text=True, check=True)
    o = json.loads(out.stdout)
    return {k: np.array(o[k], dtype=np.float32) for k in ("hidden", "durations", "melWhole", "melChunked")}


def check_parity(model: Synthesizer, models_dir: Path, write_fixture: bool = True) -> dict:
    """Raises AssertionError when ONNX and PyTorch differ by more than TOLERANCE; returns the max differences."""
    speaker = fixed_speaker(model.cfg.speaker_dim)
    ref = pytorch_reference(model, TEXT, speaker)
    context = model.decoder.context
    onnx = run_onnx(models_dir, ref["ids"], speaker, ref["frames"], context)
    diffs = {
        "hidden": float(np.abs(onnx["hidden"] - ref["hidden"].reshape(-1)).max()),
        "durations": float(np.abs(onnx["durations"] - ref["durations"]).max()),
        "melWhole": float(np.abs(onnx["melWhole"] - ref["mel"].reshape(-1)).max()),
        "melChunkedVsWhole": float(np.abs(onnx["melChunked"] - onnx["melWhole"]).max()),
    }
    bad = {k: v for k, v in diffs.items() if not v <= TOLERANCE}
    assert not bad, f"ONNX export differs from PyTorch beyond {TOLERANCE}: {bad}"
    if write_fixture:
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        FIXTURE.write_text(json.dumps({
            "about": "PyTorch outputs of the installed synthesizer (training/clonecast_train/synthesizer/parity.py)",
            "text": TEXT, "normalized": normalize(TEXT), "symbols": ref["ids"], "speaker": speaker.tolist(),
            "hiddenDim": int(ref["hidden"].shape[1]), "hidden": np.round(ref["hidden"].reshape(-1), 6).tolist(),
            "durations": np.round(ref["durations"], 6).tolist(), "frames": int(ref["mel"].shape[0]),
            "mel": np.round(ref["mel"].reshape(-1), 6).tolist(), "tolerance": TOLERANCE,
            "decoderContext": context, "chunkFrames": CHUNK_FRAMES}) + "\n")
    return diffs
