"""Export a SpeakerEncoder to ONNX (opset 14) and record it in models/manifest.json."""
from __future__ import annotations

from pathlib import Path

import torch

from ..features import ENCODER_MEL
from ..manifest import file_entry, update_manifest
from .model import EMBEDDING_DIM, HPARAMS, PARTIAL_FRAMES, PARTIAL_HOP, SpeakerEncoder

REPO_MODELS = Path(__file__).resolve().parents[3] / "models"
VAD_THRESHOLD_DB = -45.0


class _OnnxWrapper(torch.nn.Module):
    def __init__(self, model: SpeakerEncoder):
        super().__init__()
        self.model = model

    def forward(self, mels: torch.Tensor) -> torch.Tensor:
        return self.model(mels)


def export_onnx(model: SpeakerEncoder, path: Path) -> Path:
    """Write `path` with input `mels` float32 [B, 160, 40] and output `embedding` float32 [B, 256]."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper = _OnnxWrapper(model.cpu()).eval()
    dummy = torch.zeros(2, PARTIAL_FRAMES, ENCODER_MEL["nMels"])
    torch.onnx.export(wrapper, (dummy,), str(path), opset_version=14, input_names=["mels"],
                      output_names=["embedding"], dynamic_axes={"mels": {0: "batch"}, "embedding": {0: "batch"}})
    wrapper.eval()  # torch.onnx.export leaves the wrapper in training mode
    return path


def manifest_entry(onnx_path: Path, trained_on: str, extra_hparams: dict | None = None) -> dict:
    return {
        "family": "clonecast-ge2e",
        "file": file_entry(onnx_path),
        "inputs": {"mels": [-1, PARTIAL_FRAMES, ENCODER_MEL["nMels"]]},
        "outputs": {"embedding": [-1, EMBEDDING_DIM]},
        "partialFrames": PARTIAL_FRAMES,
        "partialHop": PARTIAL_HOP,
        "embeddingDim": EMBEDDING_DIM,
        "features": "encoderMel",
        "vad": {"frameThresholdDb": VAD_THRESHOLD_DB},
        "hparams": {**HPARAMS, **(extra_hparams or {})},
        "trainedOn": trained_on,
    }


def export_and_register(model: SpeakerEncoder, models_dir: Path, trained_on: str,
                        extra_hparams: dict | None = None) -> Path:
    """Export to `models_dir/encoder.onnx` and set the manifest's `encoder` section."""
    onnx_path = export_onnx(model, Path(models_dir) / "encoder.onnx")
    update_manifest(Path(models_dir), "encoder", manifest_entry(onnx_path, trained_on, extra_hparams))
    return onnx_path
