"""Utterance embeddings exactly as the server computes them (docs/models.md, "Partials")."""
from __future__ import annotations

import numpy as np
import torch

from .model import PARTIAL_FRAMES, PARTIAL_HOP, SpeakerEncoder


def partial_windows(mel_frames: np.ndarray) -> np.ndarray:
    """Speech frames [T, 40] -> complete partials [P, 160, 40] starting at 0, 80, 160, ... (P may be 0)."""
    starts = range(0, len(mel_frames) - PARTIAL_FRAMES + 1, PARTIAL_HOP)
    return np.stack([mel_frames[s:s + PARTIAL_FRAMES] for s in starts]) if len(starts) else \
        np.zeros((0, PARTIAL_FRAMES, mel_frames.shape[1]), dtype=np.float32)


def combine_partials(partials: np.ndarray) -> np.ndarray:
    """[P, 256] L2-normalised partial embeddings -> L2-normalise(mean) [256]."""
    mean = partials.mean(axis=0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


@torch.no_grad()
def embed_utterance(model: SpeakerEncoder, mel_frames: np.ndarray) -> np.ndarray:
    """Speech frames [T, 40] (VAD-silent frames already dropped) -> voice embedding [256], unit norm.

    Raises ValueError when T < 160 (no complete partial).
    """
    windows = partial_windows(np.asarray(mel_frames, dtype=np.float32))
    if len(windows) == 0:
        raise ValueError(f"utterance has {len(mel_frames)} speech frames; at least {PARTIAL_FRAMES} needed")
    device = next(model.parameters()).device
    partials = model(torch.from_numpy(windows).to(device)).float().cpu().numpy()
    return combine_partials(partials)


@torch.no_grad()
def embed_utterances(model: SpeakerEncoder, utterances: list[np.ndarray], batch: int = 512) -> np.ndarray:
    """embed_utterance for many utterances at once (partials batched across utterances) -> [U, 256]."""
    windows = [partial_windows(np.asarray(m, dtype=np.float32)) for m in utterances]
    for i, w in enumerate(windows):
        if len(w) == 0:
            raise ValueError(f"utterance {i} has {len(utterances[i])} speech frames; at least {PARTIAL_FRAMES} needed")
    flat = np.concatenate(windows)
    device = next(model.parameters()).device
    out = np.concatenate([model(torch.from_numpy(flat[i:i + batch]).to(device)).float().cpu().numpy()
                          for i in range(0, len(flat), batch)])
    bounds = np.cumsum([0] + [len(w) for w in windows])
    return np.stack([combine_partials(out[bounds[i]:bounds[i + 1]]) for i in range(len(windows))])
