"""Packed encoder training data: speech frames of many speakers in one compact uint8 `.npz`.

Layout of a packed file (what `pack` writes and the GPU machine reads):
  mels          uint8 [F, 40]     all utterances' speech frames, concatenated
  offsets       int64 [U + 1]     utterance u is mels[offsets[u]:offsets[u+1]]
  utt_speaker   int32 [U]         index into speakers
  utt_path      str   [U]         audio path relative to the data root (for reference)
  speakers      str   [S]         speaker names ("librispeech-103", "allison", "flite-kal", ...)
  speaker_corpus str  [S]
  q_min, q_max  float32           value = q_min + q * (q_max - q_min) / 255 (natural-log mel power)
Only utterances with at least 160 speech frames are kept (shorter ones make no complete partial).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .model import PARTIAL_FRAMES

# ln(1e-6) = -13.8 is the feature floor; a full-scale sine reaches about +5.
Q_MIN, Q_MAX = -14.0, 6.0


def quantize(mels: np.ndarray) -> np.ndarray:
    q = np.round((np.asarray(mels, dtype=np.float32) - Q_MIN) * (255.0 / (Q_MAX - Q_MIN)))
    return np.clip(q, 0, 255).astype(np.uint8)


def dequantize(q: np.ndarray, q_min: float = Q_MIN, q_max: float = Q_MAX) -> np.ndarray:
    return (q_min + q.astype(np.float32) * ((q_max - q_min) / 255.0)).astype(np.float32)


@dataclass
class PackedData:
    """An encoder npz in memory; `utterance(u)` gives float speech frames [T, 40]."""
    mels: np.ndarray          # uint8 [F, 40]
    offsets: np.ndarray       # int64 [U + 1]
    utt_speaker: np.ndarray   # int32 [U]
    utt_path: np.ndarray      # str [U]
    speakers: np.ndarray      # str [S]
    speaker_corpus: np.ndarray
    q_min: float = Q_MIN
    q_max: float = Q_MAX

    @property
    def n_utterances(self) -> int:
        return len(self.offsets) - 1

    def utterance(self, u: int) -> np.ndarray:
        return dequantize(self.mels[self.offsets[u]:self.offsets[u + 1]], self.q_min, self.q_max)

    def utterances_of(self, speaker: int) -> np.ndarray:
        return np.flatnonzero(self.utt_speaker == speaker)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, mels=self.mels, offsets=self.offsets, utt_speaker=self.utt_speaker,
                            utt_path=self.utt_path, speakers=self.speakers, speaker_corpus=self.speaker_corpus,
                            q_min=np.float32(self.q_min), q_max=np.float32(self.q_max))
        return path

    @staticmethod
    def load(path: str | Path) -> "PackedData":
        z = np.load(path, allow_pickle=False)
        return PackedData(z["mels"], z["offsets"], z["utt_speaker"], z["utt_path"], z["speakers"],
                          z["speaker_corpus"], float(z["q_min"]), float(z["q_max"]))

    @staticmethod
    def from_utterances(items: list[tuple[str, str, str, np.ndarray]]) -> "PackedData":
        """items: (speaker, corpus, path, speech frames [T, 40] float) -> PackedData (T < 160 dropped)."""
        items = [it for it in items if len(it[3]) >= PARTIAL_FRAMES]
        speakers: dict[str, int] = {}
        corpus_of: dict[str, str] = {}
        for spk, corpus, _, _ in items:
            speakers.setdefault(spk, len(speakers))
            corpus_of.setdefault(spk, corpus)
        lengths = np.array([len(it[3]) for it in items], dtype=np.int64)
        mels = np.concatenate([quantize(it[3]) for it in items]) if items else np.zeros((0, 40), np.uint8)
        return PackedData(mels, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
                          np.array([speakers[it[0]] for it in items], dtype=np.int32),
                          np.array([it[2] for it in items], dtype=str), np.array(list(speakers), dtype=str),
                          np.array([corpus_of[s] for s in speakers], dtype=str))
