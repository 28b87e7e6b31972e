"""Monotonic alignment search (Glow-TTS): the most likely monotonic path of symbols over frames.

Each frame is assigned one symbol; symbol indices never decrease, advance by at most one per frame,
start at the first symbol and end at the last, so every symbol gets >= 1 frame (needs T >= N).
Vectorised over the batch; the recursion over frames is a Python loop of small tensor ops (no
compiled extension needed, so it runs unchanged on the GPU machine).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

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

    Requires n_frames[b] >= n_symbols[b]. The forward pass (4 small kernels per frame) runs on
    logp's device and keeps only which way each cell was entered; the backtrack runs in numpy."""
    b, n, t = logp.shape
    sym = torch.arange(n, device=logp.device)
    logp = logp.masked_fill(sym[None, :, None] >= n_symbols[:, None, None], NEG).permute(2, 0, 1).contiguous()
    # came[j, b, i]: the best path into (symbol i, frame j) comes from symbol i-1 (else from symbol i).
    came = torch.zeros((t, b, n), dtype=torch.bool, device=logp.device)
    score = torch.full((b, n), NEG, device=logp.device)
    score[:, 0] = logp[0, :, 0]
    for j in range(1, t):
        advance = F.pad(score[:, :-1], (1, 0), value=NEG)
        came[j] = advance > score
        score = torch.maximum(score, advance) + logp[j]
    came_np = came.cpu().numpy()
    n_sym, n_frm = n_symbols.cpu().numpy(), n_frames.cpu().numpy()
    durations = np.zeros((b, n), dtype=np.int64)
    rows = np.arange(b)
    idx = n_sym - 1
    for j in range(t - 1, -1, -1):
        live = j < n_frm
        durations[rows[live], idx[live]] += 1
        if j == 0:
            break
        # Step back a symbol when the best path did, or when staying would leave too few frames.
        step = live & (idx > 0) & (came_np[j, rows, idx] | (idx >= j))
        idx = idx - step
    return torch.from_numpy(durations).to(logp.device)


def durations_to_path(durations: torch.Tensor, n_frames: int) -> torch.Tensor:
    """durations [B,N] -> one-hot path [B,N,T] (frame t belongs to symbol n)."""
    ends = durations.cumsum(1)
    starts = ends - durations
    t = torch.arange(n_frames, device=durations.device)[None, None, :]
    return ((t >= starts[:, :, None]) & (t < ends[:, :, None])).float()
