"""Reading and validating RTVC checkpoint files (encoder.pt, synthesizer.pt, vocoder.pt).

A released RTVC file is a torch pickle of a dict holding `model_state` (the network's state dict)
and usually `optimizer_state` (Adam moments, unused at inference and never loaded into a model here)
and, for the encoder, `step`. The kind of network is recognised by the names in `model_state`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

#: A name present in every state dict of each kind (and in no other kind).
SIGNATURES = {
    "encoder": ("lstm.weight_ih_l0", "linear.weight", "similarity_weight"),
    "synthesizer": ("encoder.embedding.weight", "decoder.attn_rnn.weight_ih", "postnet.rnn.weight_ih_l0", "post_proj.weight"),
    "vocoder": ("upsample.resnet.conv_in.weight", "I.weight", "rnn1.weight_ih_l0", "fc3.weight"),
}


class CheckpointError(ValueError):
    """A file that is not the RTVC checkpoint it was given as; the message names the file and why."""


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    kind: str
    #: Tensors of the network only (optimizer state dropped).
    state: dict[str, torch.Tensor]
    #: Training step, when the file records one.
    step: int | None


def load_checkpoint(path: str | Path, kind: str) -> Checkpoint:
    """Loads `path` as an RTVC checkpoint of `kind` ("encoder" | "synthesizer" | "vocoder").

    Raises CheckpointError when the file is missing, not a torch pickle, not a dict with a
    `model_state`, or holds another kind of network (the message says which, if recognisable).
    """
    path = Path(path)
    if kind not in SIGNATURES:
        raise ValueError(f"unknown checkpoint kind {kind!r} (kinds: {', '.join(SIGNATURES)})")
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file (expected the RTVC {kind} checkpoint, e.g. {kind}.pt)")
    try:
        raw = torch.load(str(path), map_location="cpu")
    except Exception as err:  # torch raises many kinds for a file that is not a pickle
        raise CheckpointError(f"{path}: not a PyTorch checkpoint ({type(err).__name__}: {err})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("model_state"), dict):
        got = type(raw).__name__ if not isinstance(raw, dict) else f"a dict with keys {sorted(map(str, raw))[:8]}"
        raise CheckpointError(f"{path}: not an RTVC checkpoint (expected a dict with 'model_state', got {got})")
    state = {k: v for k, v in raw["model_state"].items() if isinstance(v, torch.Tensor)}
    found = detect_kind(state)
    if found != kind:
        what = f"an RTVC {found} checkpoint" if found else "no RTVC network (unrecognised state dict names)"
        raise CheckpointError(f"{path}: given as the {kind} checkpoint, but it holds {what}")
    step = raw.get("step")
    if step is None and "step" in state:
        step = int(state["step"].reshape(-1)[0])
    return Checkpoint(path=path, kind=kind, state=state, step=int(step) if step is not None else None)


def detect_kind(state: dict[str, torch.Tensor]) -> str | None:
    """The kind whose signature names are all present in `state`, or None."""
    for kind, names in SIGNATURES.items():
        if all(n in state for n in names):
            return kind
    return None


def require(state: dict[str, torch.Tensor], name: str, ndim: int, path: Path) -> torch.Tensor:
    """`state[name]`, checked to exist with `ndim` dimensions (CheckpointError otherwise)."""
    t = state.get(name)
    if t is None:
        raise CheckpointError(f"{path}: state dict lacks {name!r}")
    if t.dim() != ndim:
        raise CheckpointError(f"{path}: {name!r} has shape {tuple(t.shape)}, expected {ndim} dimensions")
    return t
