"""PyTorch inference, mirroring what the server does with the two ONNX graphs (docs/models.md)."""
from __future__ import annotations

import numpy as np
import torch

from ..text import text_to_ids
from .model import Synthesizer, length_regulate


@torch.no_grad()
def synthesize_mel(model: Synthesizer, text: str, speaker: np.ndarray, pace: float = 1.0) -> np.ndarray:
    """Raw text + speaker embedding [256] -> synthMel [T, 80] (durations rounded after `pace`)."""
    model.eval()
    device = next(model.parameters()).device
    ids = torch.tensor([text_to_ids(text)], dtype=torch.long, device=device)
    if ids.shape[1] == 0:
        raise ValueError(f"nothing speakable in {text!r}")
    spk = torch.as_tensor(np.asarray(speaker, dtype=np.float32), device=device)[None]
    mask = torch.ones(ids.shape, device=device)
    hidden = model.encode(ids, spk, mask)
    durations = torch.round(model.predict_durations(hidden, mask)[0] * pace)
    frames = length_regulate(hidden[0], durations)
    if len(frames) == 0:
        return np.zeros((0, model.cfg.n_mels), dtype=np.float32)
    return model.decoder(frames[None])[0].cpu().numpy()
