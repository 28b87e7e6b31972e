"""Monotonic alignment search (Glow-TTS): the most likely monotonic path of symbols over frames.

Each frame is assigned one symbol; symbol indices never decrease, advance by at most one per frame,
start at the first symbol and end at the last, so every symbol gets >= 1 frame (needs T >= N).
Vectorised over the batch; the recursion over frames is a Python loop of small tensor ops (runs on
the training device, no compiled extension needed).
"""
from __future__ import annotations

import torch

NEG = -1e9


@torch.no_grad()
def log_likelihood(mel: torch.Tensor, mu: torch.Tensor) -> torch.Tensor:
    """mel [B,T,C], mu [B,N,C] -> [B,N,T] of -0.5 ||mel_t - mu_n||^2 (unit-variance Gaussian, constants dropped)."""
    mel, mu = mel.float(), mu.float()
    cross = mu @ mel.transpose(1, 2)                       # [B,N,T]
    return cross - 0.5 * (mu * mu).sum(-1)[:, :, None] - 0.5 * (mel * mel).sum(-1)[:, None, :]


@torch.no_grad()
def monotonic_alignment(logp: torch.Tensor, n_symbols: torch.Tensor, n_frames: torch.Tensor) -> torch.Tensor:
    """logp [B,N,T], lengths [B] -> durations [B,N] int64 (frames per symbol; 0 on padding; sums to n_frames).

    Requires n_frames[b] >= n_symbols[b]."""
    b, n, t = logp.shape
    device = logp.device
    sym = torch.arange(n, device=device)
    logp = logp.masked_fill(sym[None, :, None] >= n_symbols[:, None, None], NEG)
    # score[:, i, j]: best path log-likelihood ending at symbol i on frame j.
    score = torch.full((b, n, t), NEG, device=device)
    score[:, 0, 0] = logp[:, 0, 0]
    neg_col = torch.full((b, 1), NEG, device=device)
    for j in range(1, t):
        prev = score[:, :, j - 1]
        advance = torch.cat([neg_col, prev[:, :-1]], dim=1)
        # Symbol i cannot be reached by frame j when i > j.
        score[:, :, j] = torch.maximum(prev, advance) + logp[:, :, j]
    # Backtrack from (last symbol, last frame) of each item.
    durations = torch.zeros(b, n, dtype=torch.long, device=device)
    idx = n_symbols - 1
    rows = torch.arange(b, device=device)
    for j in range(t - 1, -1, -1):
        live = j < n_frames
        durations[rows[live], idx[live]] += 1
        if j == 0:
            break
        stay = score[rows, idx, j - 1]
        move = score[rows, (idx - 1).clamp(min=0), j - 1]
        # Go back one symbol when that path is better, or when staying would leave too few frames.
        step = live & (idx > 0) & ((move > stay) | (idx >= j))
        idx = idx - step.long()
    return durations


def durations_to_path(durations: torch.Tensor, n_frames: int) -> torch.Tensor:
    """durations [B,N] -> one-hot path [B,N,T] (frame t belongs to symbol n)."""
    ends = durations.cumsum(1)
    starts = ends - durations
    t = torch.arange(n_frames, device=durations.device)[None, None, :]
    return ((t >= starts[:, :, None]) & (t < ends[:, :, None])).float()
