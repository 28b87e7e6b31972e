"""`train`: learn the synthesizer from synth.npz (+ speaker pools), with its own alignment (MAS).

One step, per batch (model.py has the picture):
  hidden = encode(ids, speaker)               speaker sampled from its pool of utterance embeddings
  mu = prior(hidden); durations = MAS(-0.5 ||mel - mu||^2)   (no gradient through the search)
  prior loss  = 0.5 ||mel - mu_aligned||^2 per dim            pulls mu (and the encoder) onto the mel
  mel loss    = L1 + L2 of decoder(length-regulated hidden) vs mel
  dur loss    = L2 of log(1 + d) predicted from detached hidden vs MAS durations
  length loss = L2 of log(total predicted frames) vs log(frames) per utterance (speaking rate)
All in normalised mel space (per-channel mean/std of the packed data, stored in the decoder).

Runs on a time budget (`minutes`) and/or a step budget; the learning rate follows a cosine over
whichever budget ends first. Checkpoints `<out>/last.pt` (plain tensors, loadable by torch 1.13)
every `checkpoint_minutes` and at the end; rerunning with the same `out` resumes. At the end also
`<out>/model.pt`: float16 weights only (~15 MB), what `export` and `synth_eval` need, with the
duration scale measured on the validation split (calibrate.py; `export` bakes it in).
"""
from __future__ import annotations

import math
import os
import time
import zlib
from pathlib import Path

import numpy as np
import torch

from .align import durations_to_path, log_likelihood, monotonic_alignment
from .data import SynthData
from .model import SynthConfig, Synthesizer, save_checkpoint, save_slim


def speaker_pools(data: SynthData, pools_path: Path | None, dim: int) -> tuple[list[np.ndarray], list[str]]:
    """Per packed speaker, its [n,dim] embedding pool; speakers absent from the pools file get one
    fixed random unit vector (seeded by name) and are listed in the second return value."""
    pools = dict(np.load(pools_path)) if pools_path and Path(pools_path).exists() else {}
    out, missing = [], []
    for name in data.speakers:
        if name in pools and len(pools[name]) > 0:
            out.append(np.asarray(pools[name], dtype=np.float32))
        else:
            v = np.random.default_rng(zlib.crc32(name.encode())).normal(size=(1, dim)).astype(np.float32)
            out.append(v / np.linalg.norm(v))
            missing.append(name)
    return out, missing


def make_batches(lengths: np.ndarray, batch_frames: int, max_batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Length-bucketed batches: padded frames (count x longest) at most batch_frames; shuffled."""
    order = np.argsort(lengths + rng.uniform(0, 20, size=len(lengths)))
    batches, current, longest = [], [], 0
    for u in order:
        longest_new = max(longest, lengths[u])
        if current and (longest_new * (len(current) + 1) > batch_frames or len(current) >= max_batch):
            batches.append(np.array(current))
            current, longest_new = [], lengths[u]
        current.append(u)
        longest = longest_new
    if current:
        batches.append(np.array(current))
    rng.shuffle(batches)
    return batches


class Batcher:
    """Pads a batch of utterances into tensors on the device (mel normalised)."""

    def __init__(self, data: SynthData, pools: list[np.ndarray], mel_mean: np.ndarray, mel_std: np.ndarray,
                 device: str, embed_noise: float):
        self.data, self.pools, self.device, self.embed_noise = data, pools, device, embed_noise
        self.mel_mean, self.mel_std = mel_mean, mel_std

    def __call__(self, utts: np.ndarray, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        d = self.data
        n_sym = np.array([d.n_symbols(u) for u in utts])
        n_frm = np.array([d.n_frames(u) for u in utts])
        ids = np.zeros((len(utts), n_sym.max()), dtype=np.int64)
        mel = np.zeros((len(utts), n_frm.max(), 80), dtype=np.float32)
        spk = np.zeros((len(utts), self.pools[0].shape[1]), dtype=np.float32)
        for i, u in enumerate(utts):
            ids[i, :n_sym[i]] = d.symbols(u)
            mel[i, :n_frm[i]] = (d.mel(u) - self.mel_mean) / self.mel_std
            pool = self.pools[d.utt_speaker[u]]
            e = pool[rng.integers(len(pool))] + rng.normal(scale=self.embed_noise, size=pool.shape[1])
            spk[i] = e / np.linalg.norm(e)
        t = lambda a: torch.from_numpy(a).to(self.device, non_blocking=True)
        return {"ids": t(ids), "mel": t(mel), "speaker": t(spk), "n_sym": t(n_sym), "n_frm": t(n_frm)}


def step_losses(model: Synthesizer, b: dict[str, torch.Tensor], amp: bool) -> dict[str, torch.Tensor]:
    """The three losses of one batch (see module doc)."""
    ids, mel, n_sym, n_frm = b["ids"], b["mel"], b["n_sym"], b["n_frm"]
    x_mask = (torch.arange(ids.shape[1], device=ids.device)[None] < n_sym[:, None]).float()
    y_mask = (torch.arange(mel.shape[1], device=mel.device)[None] < n_frm[:, None]).float()
    with torch.autocast(device_type=mel.device.type, dtype=torch.bfloat16, enabled=amp):
        hidden = model.encode(ids, b["speaker"], x_mask)
        mu = model.prior(hidden)
    durations = monotonic_alignment(log_likelihood(mel, mu), n_sym, n_frm)
    path = durations_to_path(durations, mel.shape[1])                       # [B,N,T]
    frames_out = y_mask.sum() * mel.shape[2]
    with torch.autocast(device_type=mel.device.type, dtype=torch.bfloat16, enabled=amp):
        mu_aligned = path.transpose(1, 2) @ mu.float()                         # [B,T,80]
        frames = path.transpose(1, 2).to(hidden.dtype) @ hidden               # [B,T,H]
        pred = model.decoder.forward_normalized(frames, y_mask).float()
        logd = model.duration(hidden.detach(), x_mask).float()
    y = y_mask[:, :, None]
    prior = 0.5 * (((mel - mu_aligned.float()) ** 2) * y).sum() / frames_out
    err = (pred - mel) * y
    mel_loss = (err.abs().sum() + (err ** 2).sum()) / frames_out
    dur = (((logd - torch.log1p(durations.float())) ** 2) * x_mask).sum() / x_mask.sum()
    # Per-symbol log-domain errors predict the geometric mean, which runs short; also match each
    # utterance's total length (log frames), which sets the speaking rate.
    total_pred = ((torch.exp(logd) - 1.0).clamp(min=1.0) * x_mask).sum(1)
    length = ((torch.log(total_pred) - torch.log(n_frm.float())) ** 2).mean()
    return {"prior": prior, "mel": mel_loss, "dur": dur, "length": length,
            "total": prior + mel_loss + dur + length}


def constant_prior_loss(b: dict[str, torch.Tensor]) -> torch.Tensor:
    """Prior loss of the best mu that ignores the text (each utterance's mean frame): the prior loss
    must fall well below this for the alignment to carry information about the text."""
    mel, n_frm = b["mel"], b["n_frm"]
    y = (torch.arange(mel.shape[1], device=mel.device)[None] < n_frm[:, None]).float()[:, :, None]
    mean = (mel * y).sum(1, keepdim=True) / n_frm[:, None, None]
    return 0.5 * (((mel - mean) ** 2) * y).sum() / (y.sum() * mel.shape[2])


def mel_stats(data: SynthData, rng: np.random.Generator, max_utts: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    utts = rng.permutation(len(data))[:max_utts]
    frames = np.concatenate([data.mel(u) for u in utts])
    return frames.mean(0).astype(np.float32), np.maximum(frames.std(0), 1e-3).astype(np.float32)


def validation_split(n: int, val_fraction: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """(validation, training) utterance indices: a fixed seeded split of the packed data."""
    perm = np.random.default_rng(1234).permutation(n)
    n_val = max(1, int(n * val_fraction))
    return perm[:n_val], perm[n_val:]


def train(data_path: Path, out: Path, device: str = "cpu", minutes: float | None = None, steps: int | None = None,
          pools_path: Path | None = None, batch_frames: int = 12000, max_batch: int = 64, lr: float = 1e-3,
          warmup: int = 300, checkpoint_minutes: float = 5.0, seed: int = 0, log_every: int = 50,
          embed_noise: float = 0.01, amp: bool | None = None, val_fraction: float = 0.02,
          config: SynthConfig | None = None, init: Path | None = None) -> Path:
    """Train (or resume from `<out>/last.pt`, else start from the weights of `init`, e.g. a slim
    model.pt, with a fresh optimizer) until `minutes` or `steps` (cumulative) run out. Every run
    warms the learning rate up again over `warmup` steps."""
    if minutes is None and steps is None:
        raise ValueError("give --minutes and/or --steps")
    if device == "cpu":
        torch.set_num_threads(min(2, os.cpu_count() or 1))
    amp = (device == "cuda") if amp is None else amp
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / "last.pt"
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    data = SynthData(data_path)
    val_utts, train_utts = validation_split(len(data), val_fraction)

    if ckpt_path.exists() or init is not None:
        ckpt = torch.load(ckpt_path if ckpt_path.exists() else init, map_location="cpu")
        model = Synthesizer(SynthConfig(**ckpt["config"]))
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ckpt["model"].items()})
        start_step, spent = int(ckpt["step"]), float(ckpt.get("seconds", 0.0))
        print(f"resuming from {ckpt_path if ckpt_path.exists() else init} at step {start_step}")
    else:
        ckpt, start_step, spent = None, 0, 0.0
        model = Synthesizer(config or SynthConfig())
        mean, std = mel_stats(data, rng)
        model.decoder.mel_mean.copy_(torch.from_numpy(mean))
        model.decoder.mel_std.copy_(torch.from_numpy(std))
    model.to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.98), weight_decay=1e-6)
    if ckpt is not None and ckpt.get("optimizer"):
        opt.load_state_dict(ckpt["optimizer"])
    pools, missing = speaker_pools(data, pools_path, model.cfg.speaker_dim)
    if missing:
        print(f"warning: {len(missing)}/{len(data.speakers)} speakers have no pool in {pools_path}; "
              f"using a fixed random unit vector for them: {missing[:5]}{'...' if len(missing) > 5 else ''}")
    mean, std = model.decoder.mel_mean.cpu().numpy(), model.decoder.mel_std.cpu().numpy()
    batcher = Batcher(data, pools, mean, std, device, embed_noise)
    lengths = np.array([data.n_frames(u) for u in range(len(data))])
    print(f"data: {len(train_utts)} train / {len(val_utts)} val utterances, {len(data.speakers)} speakers, "
          f"{lengths.sum() / 80 / 60:.1f} min; params {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M; "
          f"device {device}, amp {amp}")

    def save(step: int, seconds: float) -> None:
        save_checkpoint(ckpt_path, model, opt, step, {"seconds": seconds, "data": str(data_path),
                                                       "trainSpeakers": data.speakers})

    t0, last_ckpt, step = time.time(), time.time(), start_step
    budget_s = minutes * 60 if minutes is not None else math.inf
    logs: dict[str, float] = {}
    log_t = time.time()
    done = False
    while not done:
        for batch in make_batches(lengths[train_utts], batch_frames, max_batch, rng):
            elapsed = time.time() - t0
            progress = max(elapsed / budget_s, (step - start_step) / (steps - start_step) if steps and steps > start_step else 0.0)
            if progress >= 1.0 or (steps is not None and step >= steps):
                done = True
                break
            for g in opt.param_groups:
                g["lr"] = lr * min(1.0, (step - start_step + 1) / warmup) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))
            losses = step_losses(model, batcher(train_utts[batch], rng), amp)
            opt.zero_grad(set_to_none=True)
            losses["total"].backward()
            grad = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            for k, v in losses.items():
                logs[k] = logs.get(k, 0.0) + float(v.detach())
            logs["grad"] = logs.get("grad", 0.0) + float(grad)
            logs["n"] = logs.get("n", 0) + 1
            if step % log_every == 0:
                n = logs.pop("n")
                print(f"step {step} " + " ".join(f"{k} {v / n:.4f}" for k, v in logs.items())
                      + f" lr {opt.param_groups[0]['lr']:.2e} {(time.time() - log_t) / n:.3f}s/step", flush=True)
                logs, log_t = {}, time.time()
            if time.time() - last_ckpt > checkpoint_minutes * 60:
                save(step, spent + time.time() - t0)
                last_ckpt = time.time()
    extra = {"seconds": spent + time.time() - t0, "data": str(data_path), "trainSpeakers": data.speakers}
    save_slim(out / "model.pt", model, step, extra)  # saved before calibrating, in case that fails
    from .calibrate import duration_scale  # imported here: calibrate imports this module
    cal = duration_scale(model, data_path, pools_path)
    print(f"duration scale (actual / predicted frames on validation): {cal['scale']}")
    extra["durationScale"] = cal["scale"]
    save_checkpoint(ckpt_path, model, opt, step, extra)
    save_slim(out / "model.pt", model, step, extra)
    model.train()
    val = evaluate_losses(model, batcher, val_utts, batch_frames, max_batch, amp)
    print(f"done: step {step}, {(time.time() - t0) / 60:.1f} min this run; validation " +
          " ".join(f"{k} {v:.4f}" for k, v in val.items()))
    return ckpt_path


@torch.no_grad()
def evaluate_losses(model: Synthesizer, batcher: Batcher, utts: np.ndarray, batch_frames: int, max_batch: int,
                    amp: bool) -> dict[str, float]:
    """Mean losses over `utts` in eval mode (fixed speaker sampling seed)."""
    model.eval()
    rng = np.random.default_rng(0)
    lengths = np.array([batcher.data.n_frames(u) for u in utts])
    sums: dict[str, float] = {}
    count = 0
    for batch in make_batches(lengths, batch_frames, max_batch, rng):
        b = batcher(utts[batch], rng)
        losses = {**step_losses(model, b, amp), "prior_text_blind": constant_prior_loss(b)}
        for k, v in losses.items():
            sums[k] = sums.get(k, 0.0) + float(v) * len(batch)
        count += len(batch)
    model.train()
    return {k: v / count for k, v in sums.items()}
