"""Duration calibration: the factor that makes predicted utterance lengths match held-out data.

Regression of log(1 + d) predicts the geometric mean of each symbol's duration, which is shorter
than the mean: synthesized speech runs fast (measured 17 % short on held-out synthetic voices,
9 % on allison, for the 9414-step model). `train` measures sum(actual frames) / sum(predicted
frames) on its validation utterances at the end and stores it in the checkpoint
(`durationScale`); `export` bakes it into synth_encoder.onnx's `durations` (`--calibrate DATA.npz`
measures it again, for checkpoints from before).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .data import SynthData
from .model import Synthesizer
from .train import speaker_pools, validation_split


@torch.no_grad()
def duration_scale(model: Synthesizer, data_path: Path, pools_path: Path | None) -> dict:
    """{'scale': actual/predicted total frames over the validation utterances, 'utterances': n}."""
    model.eval()
    saved, model.duration_scale = model.duration_scale, 1.0
    data = SynthData(data_path)
    pools, _ = speaker_pools(data, pools_path, model.cfg.speaker_dim)
    device = next(model.parameters()).device
    predicted = actual = 0.0
    val, _ = validation_split(len(data))
    for u in val:
        ids = torch.from_numpy(data.symbols(u))[None].to(device)
        mask = torch.ones(ids.shape, device=device)
        e = pools[data.utt_speaker[u]].mean(0)
        hidden = model.encode(ids, torch.from_numpy(e / np.linalg.norm(e))[None].float().to(device), mask)
        predicted += float(torch.round(model.predict_durations(hidden, mask)).sum())
        actual += data.n_frames(u)
    model.duration_scale = saved
    return {"scale": round(actual / predicted, 3), "utterances": len(val)}
