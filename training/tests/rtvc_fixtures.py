"""Where the RTVC parity fixtures live: ../shared/rtvc-parity beside the repository (CI puts /shared
beside the clone). Missing fixtures fail the tests loudly: they are the proof, never skipped."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[2]
FIXTURES = (REPO / ".." / "shared" / "rtvc-parity").resolve()


def fixture(name: str) -> Path:
    path = FIXTURES / name
    if not path.is_file():
        raise FileNotFoundError(f"RTVC parity fixture {path} is missing: the rtvc tests need ../shared/rtvc-parity "
                                f"beside the repository root ({REPO})")
    return path


@lru_cache(maxsize=None)
def golden(name: str) -> dict[str, np.ndarray]:
    with np.load(fixture(name)) as data:
        return {k: data[k] for k in data.files}


def setup_torch() -> None:
    torch.set_num_threads(2)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
