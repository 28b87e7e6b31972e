"""GE2E loss, softmax variant (Wan et al. 2018), with learnable scale w and bias b."""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F


class GE2ELoss(nn.Module):
    def __init__(self, init_w: float = 10.0, init_b: float = -5.0):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(init_w))
        self.b = nn.Parameter(torch.tensor(init_b))

    def forward(self, emb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """emb [N speakers, M utterances, D], rows L2-normalised -> (loss, accuracy of nearest centroid)."""
        n, m, _ = emb.shape
        total = emb.sum(dim=1)                                        # [N, D]
        centroids = F.normalize(total / m, dim=-1)
        # Each utterance's own centroid excludes it (the paper's stabler choice).
        excl = F.normalize((total[:, None, :] - emb) / (m - 1), dim=-1)  # [N, M, D]
        sim = torch.einsum("nmd,kd->nmk", emb, centroids)             # [N, M, N]
        own = (emb * excl).sum(-1)                                    # [N, M]
        eye = torch.eye(n, dtype=torch.bool, device=emb.device)[:, None, :].expand(n, m, n)
        sim = torch.where(eye, own[:, :, None].expand(n, m, n), sim)
        logits = self.w.clamp(min=1e-6) * sim + self.b
        target = torch.arange(n, device=emb.device).repeat_interleave(m)
        logits = logits.reshape(n * m, n)
        loss = F.cross_entropy(logits, target)
        acc = (logits.argmax(dim=1) == target).float().mean()
        return loss, acc
