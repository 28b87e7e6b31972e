"""The speaker encoder network: encoderMel partials [B, 160, 40] -> L2-normalised embeddings [B, 256].

Same shape as RTVC's encoder (3-layer LSTM, hidden 256, linear projection + ReLU, L2 norm), plus a
fixed per-channel feature normalisation stored in the model so the exported graph takes raw log-mels.
"""
from __future__ import annotations

import torch
from torch import nn

from ..features import ENCODER_MEL

PARTIAL_FRAMES = 160
PARTIAL_HOP = 80
EMBEDDING_DIM = 256
HPARAMS = {"lstmLayers": 3, "hidden": 256, "embeddingDim": EMBEDDING_DIM, "nMels": ENCODER_MEL["nMels"]}


class SpeakerEncoder(nn.Module):
    """LSTM speaker encoder. forward(mels [B, T, 40] natural-log mel power) -> [B, 256], unit L2 norm."""

    def __init__(self, n_mels: int = ENCODER_MEL["nMels"], hidden: int = 256, layers: int = 3,
                 embedding_dim: int = EMBEDDING_DIM):
        super().__init__()
        # Per-channel mean/std of the training features (set by `train` from the packed data);
        # buffers, so they travel in checkpoints and into the ONNX graph as constants.
        self.register_buffer("feat_mean", torch.full((n_mels,), -6.0))
        self.register_buffer("feat_std", torch.full((n_mels,), 4.0))
        self.lstm = nn.LSTM(n_mels, hidden, num_layers=layers, batch_first=True)
        self.proj = nn.Linear(hidden, embedding_dim)

    def forward(self, mels: torch.Tensor) -> torch.Tensor:
        x = (mels - self.feat_mean) / self.feat_std
        _, (h, _) = self.lstm(x)
        e = torch.relu(self.proj(h[-1]))
        # eps keeps an all-zero ReLU output finite (it happens with random weights).
        return e / torch.sqrt((e * e).sum(dim=1, keepdim=True) + 1e-12)
