"""Export a Synthesizer to `synth_encoder.onnx` + `synth_decoder.onnx` (opset 14) and its manifest section.

Graph contract (docs/models.md):
  synth_encoder.onnx: symbols int64 [1,N], speaker float32 [1,256] -> hidden float32 [1,N,H], durations float32 [1,N]
  synth_decoder.onnx: frames float32 [1,T,H] -> mel float32 [1,T,80] (synthMel, convolution-only)
"""
from __future__ import annotations

from pathlib import Path

import torch

from ..manifest import file_entry, update_manifest
from ..text import NORMALIZER, SYMBOLS
from .model import Synthesizer

CHUNK_FRAMES = 16
FAMILY = "clonecast-durtts"


class EncoderGraph(torch.nn.Module):
    """Batch-1 inference view of the text side: no padding, so the mask is all ones."""

    def __init__(self, model: Synthesizer):
        super().__init__()
        self.model = model

    def forward(self, symbols: torch.Tensor, speaker: torch.Tensor):
        mask = torch.ones_like(symbols, dtype=torch.float32)
        hidden = self.model.encode(symbols, speaker, mask)
        return hidden, self.model.predict_durations(hidden, mask)


class DecoderGraph(torch.nn.Module):
    def __init__(self, model: Synthesizer):
        super().__init__()
        self.decoder = model.decoder

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.decoder(frames)


def export_onnx(model: Synthesizer, models_dir: Path) -> tuple[Path, Path]:
    """Write both graphs into `models_dir`; returns (encoder path, decoder path)."""
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    model = model.cpu().eval()
    enc_path, dec_path = models_dir / "synth_encoder.onnx", models_dir / "synth_decoder.onnx"
    enc = EncoderGraph(model).eval()
    symbols = torch.tensor([[20, 9, 6, 1, 3, 10, 19, 4, 9, 30]], dtype=torch.int64)
    speaker = torch.nn.functional.normalize(torch.ones(1, model.cfg.speaker_dim), dim=1)
    with torch.no_grad():
        torch.onnx.export(enc, (symbols, speaker), str(enc_path), opset_version=14,
                          input_names=["symbols", "speaker"], output_names=["hidden", "durations"],
                          dynamic_axes={"symbols": {1: "n"}, "hidden": {1: "n"}, "durations": {1: "n"}})
    enc.eval()  # torch.onnx.export leaves the wrapper in training mode
    dec = DecoderGraph(model).eval()
    with torch.no_grad():
        torch.onnx.export(dec, (torch.zeros(1, 40, model.cfg.hidden_dim),), str(dec_path), opset_version=14,
                          input_names=["frames"], output_names=["mel"],
                          dynamic_axes={"frames": {1: "t"}, "mel": {1: "t"}})
    dec.eval()
    model.eval()
    return enc_path, dec_path


def manifest_entry(model: Synthesizer, enc_path: Path, dec_path: Path, trained_on: str, hparams: dict) -> dict:
    cfg = model.cfg
    return {
        "family": FAMILY,
        "encoder": {
            "file": file_entry(enc_path),
            "inputs": {"symbols": [1, -1], "speaker": [1, cfg.speaker_dim]},
            "outputs": {"hidden": [1, -1, cfg.hidden_dim], "durations": [1, -1]},
        },
        "decoder": {
            "file": file_entry(dec_path),
            "inputs": {"frames": [1, -1, cfg.hidden_dim]},
            "outputs": {"mel": [1, -1, cfg.n_mels]},
        },
        "symbols": SYMBOLS,
        "text": {"normalizer": NORMALIZER},
        "chunkFrames": CHUNK_FRAMES,
        "decoderContext": model.decoder.context,
        "hiddenDim": cfg.hidden_dim,
        "features": "synthMel",
        "hparams": {**cfg.to_dict(), **hparams},
        "trainedOn": trained_on,
    }


def export_and_register(model: Synthesizer, models_dir: Path, trained_on: str, hparams: dict | None = None) -> tuple[Path, Path]:
    """Export both graphs into `models_dir` and set the manifest's `synthesizer` section."""
    enc_path, dec_path = export_onnx(model, models_dir)
    update_manifest(Path(models_dir), "synthesizer", manifest_entry(model, enc_path, dec_path, trained_on, hparams or {}))
    return enc_path, dec_path
