"""Read-modify-write of models/manifest.json, one section at a time (several recipes share it)."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
from pathlib import Path

from .features import ENCODER_MEL, SYNTH_MEL

FORMAT = "clonecast-models/1"


def file_entry(path: Path) -> dict:
    data = Path(path).read_bytes()
    return {"file": Path(path).name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def update_manifest(models_dir: Path, section: str, entry: dict) -> Path:
    """Set manifest[section] = entry (and the shared feature specs), under an exclusive lock."""
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    path = models_dir / "manifest.json"
    with open(models_dir / ".manifest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = json.loads(path.read_text()) if path.exists() else {}
        manifest["format"] = FORMAT
        manifest["features"] = {"encoderMel": ENCODER_MEL, "synthMel": SYNTH_MEL}
        manifest[section] = entry
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(manifest, indent=2) + "\n")
        os.replace(tmp, path)
    return path
