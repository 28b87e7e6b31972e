"""`pool`: per-utterance embeddings of every speaker of a packed npz -> pools.npz {speaker: [n, 256]}.

The synthesizer samples its training conditioning from these pools (several utterances per voice,
so it learns from the spread of one voice's embeddings, as it will meet at inference).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .data import PackedData
from .inference import embed_utterances
from .model import SpeakerEncoder


def speaker_pools(model: SpeakerEncoder, data: PackedData) -> dict[str, np.ndarray]:
    model.eval()
    emb = embed_utterances(model, [data.utterance(u) for u in range(data.n_utterances)])
    return {str(name): emb[data.utt_speaker == s] for s, name in enumerate(data.speakers)}


def write_pools(model: SpeakerEncoder, data_paths: list[Path], out: Path) -> Path:
    pools: dict[str, np.ndarray] = {}
    for p in data_paths:
        pools.update(speaker_pools(model, PackedData.load(p)))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, **pools)
    print(f"wrote {out}: {len(pools)} speakers, {sum(len(v) for v in pools.values())} utterance embeddings")
    return out
