"""RTVC's WaveRNN vocoder (fatchord's RAW mode: 9-bit mu-law classes), restated for export.

* `Upsample`: mel [B, n_mels, T + 2 pad] (already /4 and zero-padded by `pad` frames each side) ->
  up_mels [B, T * hop, n_mels] (stretch + conv per factor, cropped pad * hop each side) and aux
  [B, T * hop, res_out] (MelResNet, stretched by hop).
* `SampleStep`: one sample of the recurrent part from explicit state (x_prev, h1, h2) -> logits.
Dimensions come from the checkpoint's state dict.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .checkpoint import Checkpoint, require
from .encoder import load_weights
from .tacotron import count


@dataclass(frozen=True)
class WaveRnnDims:
    n_mels: int
    compute_dims: int
    res_out_dims: int
    res_blocks: int
    pad: int
    upsample_factors: tuple[int, ...]
    rnn_dims: int
    fc_dims: int
    classes: int

    @property
    def hop(self) -> int:
        h = 1
        for f in self.upsample_factors:
            h *= f
        return h

    @property
    def aux_dims(self) -> int:
        return self.res_out_dims // 4

    def to_dict(self) -> dict:
        return {**asdict(self), "hop": self.hop, "aux_dims": self.aux_dims}

    @classmethod
    def from_state(cls, ckpt: Checkpoint) -> "WaveRnnDims":
        s, p = ckpt.state, ckpt.path
        conv_in = require(s, "upsample.resnet.conv_in.weight", 3, p)
        conv_out = require(s, "upsample.resnet.conv_out.weight", 3, p)
        factors, i = [], 1
        while f"upsample.up_layers.{i}.weight" in s:
            factors.append((s[f"upsample.up_layers.{i}.weight"].shape[-1] - 1) // 2)
            i += 2
        return cls(
            n_mels=conv_in.shape[1], compute_dims=conv_in.shape[0], res_out_dims=conv_out.shape[0],
            res_blocks=count(s, "upsample.resnet.layers.{}.conv1.weight"), pad=(conv_in.shape[2] - 1) // 2,
            upsample_factors=tuple(factors), rnn_dims=require(s, "rnn1.weight_hh_l0", 2, p).shape[1],
            fc_dims=require(s, "fc1.weight", 2, p).shape[0], classes=require(s, "fc3.weight", 2, p).shape[0],
        )


class ResBlock(nn.Module):
    def __init__(self, dims: int):
        super().__init__()
        self.conv1 = nn.Conv1d(dims, dims, 1, bias=False)
        self.conv2 = nn.Conv1d(dims, dims, 1, bias=False)
        self.batch_norm1 = nn.BatchNorm1d(dims)
        self.batch_norm2 = nn.BatchNorm1d(dims)

    def forward(self, x):
        return self.batch_norm2(self.conv2(F.relu(self.batch_norm1(self.conv1(x))))) + x


class MelResNet(nn.Module):
    def __init__(self, d: WaveRnnDims):
        super().__init__()
        self.conv_in = nn.Conv1d(d.n_mels, d.compute_dims, 2 * d.pad + 1, bias=False)  # valid: T + 2 pad -> T
        self.batch_norm = nn.BatchNorm1d(d.compute_dims)
        self.layers = nn.ModuleList([ResBlock(d.compute_dims) for _ in range(d.res_blocks)])
        self.conv_out = nn.Conv1d(d.compute_dims, d.res_out_dims, 1)

    def forward(self, x):
        x = F.relu(self.batch_norm(self.conv_in(x)))
        for layer in self.layers:
            x = layer(x)
        return self.conv_out(x)


class Upsample(nn.Module):
    def __init__(self, d: WaveRnnDims):
        super().__init__()
        self.dims = d
        self.resnet = MelResNet(d)
        layers: list[nn.Module] = []
        for f in d.upsample_factors:
            # Even indices hold RTVC's parameter-free Stretch2d; kept as placeholders for the names.
            layers += [nn.Identity(), nn.Conv2d(1, 1, (1, 2 * f + 1), padding=(0, f), bias=False)]
        self.up_layers = nn.ModuleList(layers)

    def forward(self, mel):
        d = self.dims
        aux = stretch(self.resnet(mel), d.hop)
        m = mel.unsqueeze(1)
        for f, conv in zip(d.upsample_factors, self.up_layers[1::2]):
            m = conv(stretch(m, f))
        indent = d.pad * d.hop
        m = m.squeeze(1)[:, :, indent:-indent]
        return m.transpose(1, 2), aux.transpose(1, 2)


def stretch(x: torch.Tensor, factor: int) -> torch.Tensor:
    """Repeats every element of the last axis `factor` times (RTVC's Stretch2d along time)."""
    return x.unsqueeze(-1).expand(*x.shape, factor).flatten(-2)


class WaveRnn(nn.Module):
    """RTVC's state-dict names: upsample, I, rnn1, rnn2, fc1, fc2, fc3 (+ the `step` counter)."""

    def __init__(self, d: WaveRnnDims):
        super().__init__()
        self.dims = d
        self.upsample = Upsample(d)
        self.I = nn.Linear(d.n_mels + d.aux_dims + 1, d.rnn_dims)
        self.rnn1 = nn.GRU(d.rnn_dims, d.rnn_dims, batch_first=True)
        self.rnn2 = nn.GRU(d.rnn_dims + d.aux_dims, d.rnn_dims, batch_first=True)
        self.fc1 = nn.Linear(d.rnn_dims + d.aux_dims, d.fc_dims)
        self.fc2 = nn.Linear(d.fc_dims + d.aux_dims, d.fc_dims)
        self.fc3 = nn.Linear(d.fc_dims, d.classes)
        self.step = nn.Parameter(torch.zeros(1, dtype=torch.long), requires_grad=False)

    @classmethod
    def from_checkpoint(cls, ckpt: Checkpoint) -> "WaveRnn":
        model = cls(WaveRnnDims.from_state(ckpt))
        load_weights(model, ckpt.state, ckpt.path)
        return model.eval()

    def sample_step(self, x, m_t, aux_t, h1, h2, cell=torch.gru_cell):
        """x [B, 1] previous sample in [-1, 1], m_t [B, n_mels], aux_t [B, res_out], h1/h2 [B, R]
        -> (logits [B, classes], h1', h2'). `cell`: torch.gru_cell is bit-identical to RTVC's
        nn.GRUCell; the export passes tacotron.gru_cell (the same formula in plain ops)."""
        a = self.dims.aux_dims
        a1, a2, a3, a4 = (aux_t[:, i * a:(i + 1) * a] for i in range(4))
        x = self.I(torch.cat([x, m_t, a1], dim=1))
        r1, r2 = self.rnn1, self.rnn2
        h1 = cell(x, h1, r1.weight_ih_l0, r1.weight_hh_l0, r1.bias_ih_l0, r1.bias_hh_l0)
        x = x + h1
        h2 = cell(torch.cat([x, a2], dim=1), h2, r2.weight_ih_l0, r2.weight_hh_l0, r2.bias_ih_l0, r2.bias_hh_l0)
        x = x + h2
        x = F.relu(self.fc1(torch.cat([x, a3], dim=1)))
        x = F.relu(self.fc2(torch.cat([x, a4], dim=1)))
        return self.fc3(x), h1, h2
