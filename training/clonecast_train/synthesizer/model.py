"""clonecast-durtts: a non-autoregressive, speaker-conditioned synthesizer (docs/models.md).

    symbols [B,N] --TextEncoder--> enc [B,N,E] --concat speaker [B,256], project--> hidden [B,N,H]
    hidden --DurationPredictor (on detached hidden)--> log(1 + frames per symbol) [B,N]
    hidden --repeat each position d_i times--> frames [B,T,H] --MelDecoder (dilated convs)--> mel [B,T,80]

Training learns the alignment itself (Grad-TTS/Glow-TTS style): `prior` projects hidden to a
per-symbol mean mu in normalised-mel space; monotonic alignment search (align.py) picks the path
maximising -0.5 ||mel - mu||^2; the path's durations train the duration predictor and drive the
length regulation that feeds the decoder.

The decoder has only convolutions and per-frame operations, so its receptive field is finite
(`MelDecoder.context` frames each side): chunked decoding equals whole decoding.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class SynthConfig:
    n_symbols: int = 36
    speaker_dim: int = 256
    text_dim: int = 256          # E: text encoder width
    hidden_dim: int = 256        # H: width of `hidden`, the ONNX boundary
    text_convs: int = 3
    text_kernel: int = 5
    attn_layers: int = 2
    attn_heads: int = 2
    dropout: float = 0.1
    dur_channels: int = 256
    dec_channels: int = 256
    dec_kernel: int = 5
    dec_dilations: list[int] = field(default_factory=lambda: [1, 2, 4, 1, 2, 4, 1, 2, 1])
    n_mels: int = 80

    def to_dict(self) -> dict:
        return asdict(self)


class ChannelNorm(nn.Module):
    """LayerNorm over channels of [B, C, T] (per frame: no statistics across time)."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.transpose(1, 2)).transpose(1, 2)


def sinusoids(length: int, dim: int, device: torch.device) -> torch.Tensor:
    """[length, dim] sinusoidal position encoding (Transformer)."""
    pos = torch.arange(length, device=device, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, dim, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / dim))
    angles = pos * freq[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class SelfAttentionBlock(nn.Module):
    """Pre-norm multi-head self-attention + conv feed-forward, written out so it exports to plain ONNX ops."""

    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.ff1 = nn.Conv1d(dim, 2 * dim, 3, padding=1)
        self.ff2 = nn.Conv1d(2 * dim, dim, 3, padding=1)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """x [B,N,D], mask [B,N] (1 for real symbols) -> [B,N,D]."""
        b, n, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // self.heads)
        scores = scores.masked_fill(mask[:, None, None, :] == 0, -1e4)
        att = self.drop(torch.softmax(scores, dim=-1)) @ v
        x = x + self.drop(self.out(att.transpose(1, 2).reshape(b, n, d)))
        h = self.norm2(x).transpose(1, 2) * mask[:, None, :]
        h = self.ff2(self.drop(F.relu(self.ff1(h))) * mask[:, None, :]).transpose(1, 2)
        return (x + self.drop(h)) * mask[:, :, None]


class TextEncoder(nn.Module):
    """symbols [B,N] -> [B,N,E]: embedding, conv stack, self-attention blocks."""

    def __init__(self, cfg: SynthConfig):
        super().__init__()
        self.embed = nn.Embedding(cfg.n_symbols, cfg.text_dim, padding_idx=0)
        self.convs = nn.ModuleList(nn.Conv1d(cfg.text_dim, cfg.text_dim, cfg.text_kernel, padding=cfg.text_kernel // 2)
                                   for _ in range(cfg.text_convs))
        self.norms = nn.ModuleList(ChannelNorm(cfg.text_dim) for _ in range(cfg.text_convs))
        self.blocks = nn.ModuleList(SelfAttentionBlock(cfg.text_dim, cfg.attn_heads, cfg.dropout) for _ in range(cfg.attn_layers))
        self.final_norm = nn.LayerNorm(cfg.text_dim)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, symbols: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        m = mask[:, None, :]
        x = self.embed(symbols).transpose(1, 2) * m
        for conv, norm in zip(self.convs, self.norms):
            x = x + self.drop(norm(F.relu(conv(x)))) * m
        x = x.transpose(1, 2) + sinusoids(symbols.shape[1], x.shape[1], symbols.device)[None] * mask[:, :, None]
        for block in self.blocks:
            x = block(x, mask)
        return self.final_norm(x) * mask[:, :, None]


class DurationPredictor(nn.Module):
    """hidden [B,N,H] -> log(1 + frames) [B,N] (FastSpeech's two conv layers)."""

    def __init__(self, cfg: SynthConfig):
        super().__init__()
        c = cfg.dur_channels
        self.conv1 = nn.Conv1d(cfg.hidden_dim, c, 3, padding=1)
        self.norm1 = ChannelNorm(c)
        self.conv2 = nn.Conv1d(c, c, 3, padding=1)
        self.norm2 = ChannelNorm(c)
        self.proj = nn.Conv1d(c, 1, 1)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        m = mask[:, None, :]
        x = self.drop(self.norm1(F.relu(self.conv1(hidden.transpose(1, 2) * m))))
        x = self.drop(self.norm2(F.relu(self.conv2(x * m))))
        return (self.proj(x * m) * m)[:, 0, :]


class ResidualConvBlock(nn.Module):
    """x + 1x1(GELU(norm(dilated conv(x)))): per-frame ops around one dilated convolution."""

    def __init__(self, channels: int, kernel: int, dilation: int):
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, kernel, dilation=dilation, padding=dilation * (kernel // 2))
        self.norm = ChannelNorm(channels)
        self.mix = nn.Conv1d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mix(F.gelu(self.norm(self.conv(x))))


class MelDecoder(nn.Module):
    """frames [B,T,H] -> synthMel [B,T,80]; receptive field `context` frames each side."""

    def __init__(self, cfg: SynthConfig):
        super().__init__()
        self.inp = nn.Conv1d(cfg.hidden_dim, cfg.dec_channels, 1)
        self.blocks = nn.ModuleList(ResidualConvBlock(cfg.dec_channels, cfg.dec_kernel, d) for d in cfg.dec_dilations)
        self.norm = ChannelNorm(cfg.dec_channels)
        self.out = nn.Conv1d(cfg.dec_channels, cfg.n_mels, 1)
        # synthMel = normalised * std + mean, per channel; set from the training data by `pack`.
        self.register_buffer("mel_mean", torch.zeros(cfg.n_mels))
        self.register_buffer("mel_std", torch.ones(cfg.n_mels))
        self.context = sum(d * (cfg.dec_kernel // 2) for d in cfg.dec_dilations)

    def forward_normalized(self, frames: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """frames [B,T,H] -> normalised mel [B,T,80]. `mask` [B,T] zeroes padding frames (training)."""
        x = self.inp(frames.transpose(1, 2))
        if mask is not None:
            x = x * mask[:, None, :]
        for block in self.blocks:
            x = block(x)
            if mask is not None:
                x = x * mask[:, None, :]
        return self.out(self.norm(x)).transpose(1, 2)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.forward_normalized(frames) * self.mel_std + self.mel_mean


class Synthesizer(nn.Module):
    def __init__(self, cfg: SynthConfig):
        super().__init__()
        self.cfg = cfg
        self.text = TextEncoder(cfg)
        self.join = nn.Linear(cfg.text_dim + cfg.speaker_dim, cfg.hidden_dim)
        self.prior = nn.Linear(cfg.hidden_dim, cfg.n_mels)
        self.duration = DurationPredictor(cfg)
        self.decoder = MelDecoder(cfg)
        # Multiplies predicted durations (set by `export --calibrate`, baked into the ONNX graph; not
        # trained): log-domain duration regression predicts the geometric mean, which runs short.
        self.duration_scale = 1.0

    def encode(self, symbols: torch.Tensor, speaker: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """symbols [B,N] int64, speaker [B,256] (L2-normalised), mask [B,N] float -> hidden [B,N,H]."""
        enc = self.text(symbols, mask)
        spk = speaker[:, None, :].expand(-1, enc.shape[1], -1)
        return self.join(torch.cat([enc, spk], dim=-1)) * mask[:, :, None]

    def predict_durations(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Frames per symbol [B,N], >= 1 on real symbols (as every alignment target is: no symbol is
        ever skipped), 0 on padding; not rounded."""
        return torch.clamp(torch.exp(self.duration(hidden, mask)) - 1.0, min=1.0) * (mask * self.duration_scale)


def length_regulate(hidden: torch.Tensor, durations: torch.Tensor) -> torch.Tensor:
    """hidden [N,H], integer durations [N] -> [sum(durations), H] (each row repeated d_i times)."""
    return torch.repeat_interleave(hidden, durations.long(), dim=0)


def save_checkpoint(path, model: Synthesizer, optimizer, step: int, extra: dict) -> None:
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict() if optimizer else None,
                "step": step, "config": model.cfg.to_dict(), **extra}, path)


def save_slim(path, model: Synthesizer, step: int, extra: dict) -> None:
    """Weights only, in float16 (7.3 M parameters -> ~15 MB: small enough to fetch from the GPU machine)."""
    state = {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    torch.save({"model": state, "optimizer": None, "step": step, "config": model.cfg.to_dict(), **extra}, path)


def load_model(path, device: str = "cpu") -> tuple[Synthesizer, dict]:
    """A full (`last.pt`) or slim (`model.pt`) checkpoint -> float32 model on `device`, and the checkpoint dict."""
    ckpt = torch.load(path, map_location=device)
    model = Synthesizer(SynthConfig(**ckpt["config"]))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ckpt["model"].items()})
    return model.to(device), ckpt
