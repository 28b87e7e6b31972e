"""Checkpoints: plain torch.save dicts (tensors, numbers, strings), loadable by torch 1.13 and 2.x."""
from __future__ import annotations

import os
from pathlib import Path

import torch

from .model import SpeakerEncoder


def latest_checkpoint(run_dir: Path) -> Path | None:
    ckpts = sorted(Path(run_dir).glob("ckpt_*.pt"))
    return ckpts[-1] if ckpts else None


def save_checkpoint(run_dir: Path, state: dict, keep: int = 3) -> Path:
    """Write run_dir/ckpt_<step>.pt atomically; keep the newest `keep`."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / f"ckpt_{state['step']:08d}.pt"
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    for old in sorted(run_dir.glob("ckpt_*.pt"))[:-keep]:
        old.unlink()
    return path


def load_checkpoint(path: Path) -> dict:
    path = Path(path)
    if path.is_dir():
        found = latest_checkpoint(path)
        if found is None:
            raise FileNotFoundError(f"no ckpt_*.pt in {path}")
        path = found
    return torch.load(path, map_location="cpu")


def load_model(path: Path) -> SpeakerEncoder:
    """Checkpoint file or run directory -> SpeakerEncoder in eval mode on CPU."""
    model = SpeakerEncoder()
    model.load_state_dict(load_checkpoint(path)["model"])
    return model.eval()


def load_for_export(path: Path) -> tuple[SpeakerEncoder, str, dict]:
    """-> (model, trainedOn text, extra hparams) for the manifest."""
    state = load_checkpoint(path)
    model = SpeakerEncoder()
    model.load_state_dict(state["model"])
    info = state.get("info", {})
    trained_on = (f"{info.get('data', '?')}; GE2E {state['step']} steps of {info.get('speakers_per_batch', '?')}x"
                  f"{info.get('utterances_per_speaker', '?')} partials on {info.get('device', '?')} "
                  f"({info.get('minutes', 0):.1f} min)")
    extra = {k: info[k] for k in ("speakers_per_batch", "utterances_per_speaker", "lr") if k in info}
    extra["steps"] = state["step"]
    return model.eval(), trained_on, extra
