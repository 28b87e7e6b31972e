"""GE2E training loop over a packed encoder npz: N speakers x M random 160-frame segments per step."""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from .checkpoints import latest_checkpoint, load_checkpoint, save_checkpoint
from .data import PackedData
from .eer import encoder_eer
from .loss import GE2ELoss
from .model import PARTIAL_FRAMES, SpeakerEncoder


class SegmentSampler:
    """Draws [N*M, 160, 40] float batches on `device`; segment starts uniform over each speaker's windows."""

    def __init__(self, data: PackedData, device: torch.device, seed: int, gain_db: float = 6.0):
        self.device = device
        self.rng = np.random.default_rng(seed)
        self.gain = gain_db * np.log(10) / 10  # dB of power -> natural-log units of the features
        self.mels = torch.from_numpy(data.mels).to(device)
        self.q_min, self.q_step = data.q_min, (data.q_max - data.q_min) / 255.0
        # Segment starts are uniform over every valid window of the speaker (windows may overlap: a
        # speaker with one long utterance still gives M different segments). Per speaker: its
        # utterances' first frames and the cumulative count of their windows.
        windows = np.diff(data.offsets) - PARTIAL_FRAMES + 1
        order = np.argsort(data.utt_speaker, kind="stable")
        bounds = np.searchsorted(data.utt_speaker[order], np.arange(len(data.speakers) + 1))
        self.first = [data.offsets[order[a:b]] for a, b in zip(bounds[:-1], bounds[1:])]
        self.cum = [np.cumsum(windows[order[a:b]]) for a, b in zip(bounds[:-1], bounds[1:])]
        self.speakers = np.array([s for s, c in enumerate(self.cum) if len(c)])
        self.window = torch.arange(PARTIAL_FRAMES, device=device)

    def _starts(self, speaker: int, m: int) -> np.ndarray:
        cum = self.cum[speaker]
        r = self.rng.integers(cum[-1], size=m)          # a window index over all the speaker's windows
        u = np.searchsorted(cum, r, side="right")        # ... falls in utterance u
        return self.first[speaker][u] + r - np.concatenate([[0], cum[:-1]])[u]

    def batch(self, n: int, m: int) -> torch.Tensor:
        spk = self.rng.choice(self.speakers, size=n, replace=False)
        starts = np.concatenate([self._starts(s, m) for s in spk])
        idx = torch.from_numpy(starts).to(self.device)[:, None] + self.window
        x = self.mels[idx].float() * self.q_step + self.q_min
        # Random level per segment, so loudness is no speaker cue.
        gain = torch.from_numpy(self.rng.uniform(-self.gain, self.gain, size=(n * m, 1, 1))).float().to(self.device)
        return x + gain


def feature_stats(data: PackedData) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std of the dequantised training frames (histograms of the uint8 codes)."""
    values = data.q_min + np.arange(256) * (data.q_max - data.q_min) / 255.0
    mean, std = np.zeros(data.mels.shape[1]), np.zeros(data.mels.shape[1])
    for c in range(data.mels.shape[1]):
        h = np.bincount(data.mels[:, c], minlength=256).astype(np.float64)
        h /= h.sum()
        mean[c] = (h * values).sum()
        std[c] = np.sqrt((h * (values - mean[c]) ** 2).sum())
    return mean.astype(np.float32), np.maximum(std, 0.1).astype(np.float32)


def describe(data: PackedData) -> str:
    counts = Counter(str(c) for c in data.speaker_corpus)
    hours = len(data.mels) / 100 / 3600
    return f"{len(data.speakers)} speakers ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}), {hours:.2f} h speech"


def train(data_path: Path, run_dir: Path, device: str = "cpu", minutes: float = 3.0, steps: int = 10 ** 9,
          speakers: int = 64, per_speaker: int = 10, lr: float = 4e-4, clip: float = 3.0,
          checkpoint_minutes: float = 2.0, eer_data: Path | None = None, seed: int = 0, log_every: int = 50) -> Path:
    """Train until `minutes` of wall time (this call) or `steps` total steps; resumes from run_dir's latest."""
    torch.manual_seed(seed)
    dev = torch.device(device)
    data = PackedData.load(data_path)
    held = PackedData.load(eer_data) if eer_data else None
    sampler = SegmentSampler(data, dev, seed)
    n = min(speakers, len(sampler.speakers))
    model, loss_fn = SpeakerEncoder().to(dev), GE2ELoss().to(dev)
    opt = torch.optim.Adam(list(model.parameters()) + list(loss_fn.parameters()), lr=lr)
    step, minutes_before = 0, 0.0
    resume = latest_checkpoint(run_dir)
    if resume is not None:
        state = load_checkpoint(resume)
        model.load_state_dict(state["model"])
        loss_fn.load_state_dict(state["loss"])
        try:
            opt.load_state_dict(state["optimizer"])
        except (KeyError, ValueError, RuntimeError) as e:  # e.g. saved by another torch version
            print(f"optimizer state not restored ({e}); fresh Adam moments")
        step, minutes_before = state["step"], state["info"].get("minutes", 0.0)
        print(f"resumed {resume} at step {step}")
    else:
        mean, std = feature_stats(data)
        model.feat_mean.copy_(torch.from_numpy(mean))
        model.feat_std.copy_(torch.from_numpy(std))
    info = {"data": describe(data), "speakers_per_batch": n, "utterances_per_speaker": per_speaker, "lr": lr,
            "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"}
    print(f"training on {info['data']}; batch {n}x{per_speaker} on {info['device']}", flush=True)

    def checkpoint() -> Path:
        info["minutes"] = minutes_before + (time.time() - t0) / 60
        path = save_checkpoint(run_dir, {"model": model.state_dict(), "loss": loss_fn.state_dict(),
                                         "optimizer": opt.state_dict(), "step": step, "info": dict(info)})
        msg = f"checkpoint {path.name}"
        if held is not None:
            msg += f"; held-out EER {encoder_eer(model, held) * 100:.1f}%"
            model.train()
        print(msg, flush=True)
        return path

    t0 = last_ckpt = last_log = time.time()
    losses, accs = [], []
    model.train()
    path = None
    while step < steps and time.time() - t0 < minutes * 60:
        x = sampler.batch(n, per_speaker)
        emb = model(x).view(n, per_speaker, -1)
        loss, acc = loss_fn(emb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        loss_fn.w.grad *= 0.01  # GE2E's scale and bias learn slowly (as in the paper / RTVC)
        loss_fn.b.grad *= 0.01
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        step += 1
        losses.append(loss.item())
        accs.append(acc.item())
        if step % log_every == 0:
            now = time.time()
            print(f"step {step} loss {np.mean(losses):.3f} acc {np.mean(accs):.3f} w {loss_fn.w.item():.2f} "
                  f"b {loss_fn.b.item():.2f} {log_every / (now - last_log):.1f} steps/s", flush=True)
            losses, accs, last_log = [], [], now
        if time.time() - last_ckpt > checkpoint_minutes * 60:
            path, last_ckpt = checkpoint(), time.time()
    return checkpoint()
