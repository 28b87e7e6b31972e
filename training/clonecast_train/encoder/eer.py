"""Equal error rate of speaker verification over all utterance pairs of held-out speakers."""
from __future__ import annotations

import numpy as np
import torch

from .data import PackedData
from .inference import embed_utterances
from .model import SpeakerEncoder


def equal_error_rate(scores: np.ndarray, same: np.ndarray) -> float:
    """Scores of pairs and whether each pair is one speaker -> EER in [0, 1] (where FAR = FRR)."""
    order = np.argsort(-scores, kind="stable")
    same = same[order].astype(bool)
    n_pos, n_neg = same.sum(), (~same).sum()
    if n_pos == 0 or n_neg == 0:
        raise ValueError("EER needs both same-speaker and different-speaker pairs")
    # Accepting the k highest-scoring pairs: FAR = accepted negatives / n_neg, FRR = rejected positives / n_pos.
    far = np.concatenate([[0.0], np.cumsum(~same) / n_neg])
    frr = np.concatenate([[1.0], 1.0 - np.cumsum(same) / n_pos])
    k = int(np.argmin(np.abs(far - frr)))
    return float((far[k] + frr[k]) / 2)


def pair_scores(embeddings: np.ndarray, speakers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs i < j: cosine scores (embeddings are unit norm) and same-speaker flags."""
    i, j = np.triu_indices(len(embeddings), k=1)
    emb = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True).clip(1e-12)
    return (emb[i] * emb[j]).sum(axis=1), speakers[i] == speakers[j]


def encoder_eer(model: SpeakerEncoder, held: PackedData) -> float:
    model.eval()
    utts = [held.utterance(u) for u in range(held.n_utterances)]
    return equal_error_rate(*pair_scores(embed_utterances(model, utts), held.utt_speaker))


def mean_mel_eer(held: PackedData) -> float:
    """Baseline without a network: each utterance is its mean log-mel vector, mean-removed over the set."""
    means = np.stack([held.utterance(u).mean(axis=0) for u in range(held.n_utterances)])
    return equal_error_rate(*pair_scores(means - means.mean(axis=0), held.utt_speaker))


def random_encoder_eer(held: PackedData, seed: int = 0) -> float:
    torch.manual_seed(seed)
    return encoder_eer(SpeakerEncoder(), held)
