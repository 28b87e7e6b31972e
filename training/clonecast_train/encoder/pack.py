"""`pack`: audio corpora -> `.device-data/encoder.npz` (training) + `encoder_eer.npz` (held-out speakers).

Sources: /work/shared/data librispeech (speakers with one utterance train; the 10 test-other
speakers, the ones with several utterances, are held out for EER), asterisk_en + asterisk_es
(one speaker, "allison"), every synthetic voice (data/synthetic), and optional full-size corpora
(`--extra librispeech:DIR`, `vctk:DIR`, `ljspeech:DIR`). Each speaker keeps at most
`--max-speaker-seconds` of speech; the cap shrinks until the mels fit `--budget-mb`.
"""
from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Iterable

import numpy as np

from ..audio import load_audio
from ..corpora import Utterance, read_librispeech, read_ljspeech, read_shared, read_vctk
from .data import PackedData, dequantize, quantize
from .model import PARTIAL_FRAMES
from .speech import speech_mels

FRAMES_PER_SECOND = 100
EXTRA_READERS = {"librispeech": read_librispeech, "vctk": read_vctk, "ljspeech": read_ljspeech}


def _collect(utts: Iterable[Utterance], name_of, cap_frames: int | None, store: dict, root: Path) -> int:
    """Compute speech frames for `utts` into store[speaker] (uint8 list) until each has cap_frames."""
    n = 0
    have = {spk: sum(len(m) for _, _, m in items) for spk, items in store.items()}
    for u in utts:
        spk = name_of(u)
        if cap_frames is not None and have.get(spk, 0) >= cap_frames:
            continue
        mels = speech_mels(load_audio(u.path))
        if len(mels) >= PARTIAL_FRAMES:
            try:
                rel = str(u.path.relative_to(root))
            except ValueError:
                rel = str(u.path)
            store[spk].append((u.corpus, rel, quantize(mels)))
            have[spk] = have.get(spk, 0) + len(mels)
            n += 1
    return n


def _apply_cap(store: dict, cap_frames: int) -> list[tuple[str, str, str, np.ndarray]]:
    """Each speaker's utterances in order up to cap_frames (the crossing one truncated if >= 160 left)."""
    items = []
    for spk, utts in store.items():
        left = cap_frames
        for corpus, rel, q in utts:
            if left < PARTIAL_FRAMES:
                break
            q = q[:left]
            items.append((spk, corpus, rel, q))
            left -= len(q)
    return items


def _to_packed(items) -> PackedData:
    return PackedData.from_utterances([(s, c, r, dequantize(q)) for s, c, r, q in items])


def pack(data_root: Path, synthetic_root: Path | None, out: Path, eer_out: Path,
         max_speaker_seconds: float, budget_mb: float, extras: list[str] = ()) -> tuple[PackedData, PackedData]:
    t0 = time.time()
    cap = int(max_speaker_seconds * FRAMES_PER_SECOND)
    train: dict = defaultdict(list)
    held: dict = defaultdict(list)

    libri = list(read_shared(data_root, "librispeech"))
    counts: dict[str, int] = defaultdict(int)
    for u in libri:
        counts[u.speaker] += 1
    held_out = {s for s, c in counts.items() if c > 1}
    name = lambda u: f"librispeech-{u.speaker}"  # noqa: E731
    n = _collect((u for u in libri if u.speaker not in held_out), name, cap, train, data_root)
    print(f"librispeech: {n} training utterances; held out {len(held_out)} speakers", flush=True)
    n = _collect((u for u in libri if u.speaker in held_out), name, None, held, data_root)
    print(f"librispeech held-out: {n} utterances", flush=True)
    # allison: English up to half the cap first, so her Spanish prompts fill the rest.
    for corpus, corpus_cap in (("asterisk_en", cap // 2), ("asterisk_es", cap)):
        if (data_root / corpus / "metadata.csv").exists():
            n = _collect(read_shared(data_root, corpus), lambda u: "allison", corpus_cap, train, data_root)
            print(f"{corpus}: {n} utterances (speaker allison)", flush=True)
    if synthetic_root is not None and (synthetic_root / "metadata.csv").exists():
        n = _collect(read_shared(synthetic_root.parent, synthetic_root.name), lambda u: u.speaker, cap, train,
                     synthetic_root.parent)
        print(f"{synthetic_root.name}: {n} utterances", flush=True)
    for spec in extras:
        kind, _, root = spec.partition(":")
        reader = EXTRA_READERS[kind]
        n = _collect(reader(root), lambda u, k=kind: f"{k}-{u.speaker}", cap, train, Path(root))
        print(f"{kind} ({root}): {n} utterances", flush=True)

    budget_frames = int(budget_mb * 1e6 / 40)
    items = _apply_cap(train, cap)
    while sum(len(it[3]) for it in items) > budget_frames:
        cap = int(cap * 0.9)
        items = _apply_cap(train, cap)
    packed = _to_packed(items)
    packed.save(out)
    held_packed = _to_packed(_apply_cap(held, 10 ** 9))
    held_packed.save(eer_out)
    print(f"wrote {out}: {len(packed.speakers)} speakers, {packed.n_utterances} utterances, "
          f"{len(packed.mels) / FRAMES_PER_SECOND / 3600:.2f} h of speech frames, cap {cap / 100:.0f} s/speaker, "
          f"{out.stat().st_size / 1e6:.1f} MB", flush=True)
    print(f"wrote {eer_out}: {len(held_packed.speakers)} speakers, {held_packed.n_utterances} utterances, "
          f"{eer_out.stat().st_size / 1e6:.1f} MB; {time.time() - t0:.0f} s", flush=True)
    return packed, held_packed
