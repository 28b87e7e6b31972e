"""RTVC's GE2E speaker encoder: a stacked LSTM over power-mel frames, a linear layer on the last
layer's final hidden state, ReLU, and an L2 normalisation with +1e-5 in the denominator.

Input `mels` [B, T, n_mels] are RTVC encoder mels (power, not log); output `embedding` [B, E]. The
utterance embedding (mean of partials, renormalised without epsilon) is computed by the caller.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn

from .checkpoint import Checkpoint, CheckpointError, require


class SpeakerEncoder(nn.Module):
    def __init__(self, n_mels: int, hidden: int, layers: int, embedding: int):
        super().__init__()
        self.lstm = nn.LSTM(n_mels, hidden, num_layers=layers, batch_first=True)
        self.linear = nn.Linear(hidden, embedding)

    @classmethod
    def from_checkpoint(cls, ckpt: Checkpoint) -> "SpeakerEncoder":
        """Builds the network with the dimensions of `ckpt` and loads its weights."""
        s, p = ckpt.state, ckpt.path
        w_ih0 = require(s, "lstm.weight_ih_l0", 2, p)
        layers = 0
        while f"lstm.weight_ih_l{layers}" in s:
            layers += 1
        hidden = w_ih0.shape[0] // 4
        lin = require(s, "linear.weight", 2, p)
        model = cls(n_mels=w_ih0.shape[1], hidden=hidden, layers=layers, embedding=lin.shape[0])
        load_weights(model, s, p, ignore=("similarity_weight", "similarity_bias"))
        return model.eval()

    def linear_out(self, mels: torch.Tensor) -> torch.Tensor:
        """[B, T, n_mels] -> linear layer output before the ReLU, [B, E]."""
        _, (h, _) = self.lstm(mels)
        return self.linear(h[-1])

    def forward(self, mels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """[B, T, n_mels] -> (embedding [B, E], linear output [B, E])."""
        lin = self.linear_out(mels)
        e = torch.relu(lin)
        return e / (torch.norm(e, dim=1, keepdim=True) + 1e-5), lin


def load_weights(model: nn.Module, state: dict[str, torch.Tensor], path: Path, ignore: tuple[str, ...] = ()) -> None:
    """Copies `state` into `model`, naming every missing, extra or mis-shaped tensor at once."""
    own = model.state_dict()
    wanted = {k: v for k, v in state.items() if k not in ignore}
    problems = [f"missing {k} {tuple(v.shape)}" for k, v in own.items() if k not in wanted]
    problems += [f"unexpected {k}" for k in wanted if k not in own]
    problems += [f"{k}: shape {tuple(wanted[k].shape)}, network wants {tuple(v.shape)}"
                 for k, v in own.items() if k in wanted and wanted[k].shape != v.shape]
    if problems:
        raise CheckpointError(f"{path}: state dict does not fit RTVC's architecture: " + "; ".join(problems[:10]))
    model.load_state_dict({k: wanted[k].to(v.dtype) for k, v in own.items()})
