"""Speaker similarity by the speaker encoder's own embedding: is a cloned output closer to its
reference speaker than to the other speakers?"""
from __future__ import annotations

import numpy as np

from ..encoder.inference import embed_utterance
from ..encoder.model import PARTIAL_FRAMES
from ..encoder.speech import speech_mels


def embed_audio(encoder, audio: np.ndarray) -> np.ndarray:
    """16 kHz audio -> unit embedding [256], as the server enrols (speech frames, partials). Short
    audio is repeated up to one partial so a 1-second clip still gets an embedding."""
    mels = speech_mels(audio)
    if len(mels) == 0:
        raise ValueError("no speech frames above the VAD threshold")
    if len(mels) < PARTIAL_FRAMES:
        mels = np.concatenate([mels] * (PARTIAL_FRAMES // len(mels) + 1))
    return embed_utterance(encoder, mels)


def similarity_table(outputs: dict[str, list[np.ndarray]], references: dict[str, np.ndarray]) -> dict:
    """outputs: speaker -> embeddings of its cloned outputs; references: speaker -> reference embedding.

    Returns per speaker the mean cosine to its own reference and to each other reference (mean and
    max), and the fraction of outputs whose nearest reference is their own speaker."""
    names = list(references)
    refs = np.stack([references[n] for n in names])
    table, hits, total = {}, 0, 0
    for name, embs in outputs.items():
        cos = np.stack(embs) @ refs.T                         # [outputs, speakers]
        own = names.index(name)
        others = np.delete(cos, own, axis=1)
        hits += int((cos.argmax(1) == own).sum())
        total += len(embs)
        table[name] = {"own": round(float(cos[:, own].mean()), 3),
                       "othersMean": round(float(others.mean()), 3) if others.size else None,
                       "othersMax": round(float(others.max(1).mean()), 3) if others.size else None}
    return {"perSpeaker": table, "nearestIsOwn": round(hits / max(1, total), 3)}
