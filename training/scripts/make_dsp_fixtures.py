"""Write test/fixtures/dsp/: a deterministic test signal and its features computed by
training/clonecast_train/features.py, so the TypeScript DSP (src/pipeline/audio) can prove it
computes the same thing (to 1e-4).

Run from the repository root:  /usr/bin/python3 training/scripts/make_dsp_fixtures.py [--check]

Output: dsp.json (index: specs, shapes, byte offsets) + dsp.bin (little-endian float32 arrays).
--check writes nothing and exits 1 when the committed fixtures differ from what features.py gives
now (run it in CI: a change to features.py must come with regenerated fixtures).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "training"))
from clonecast_train.features import (  # noqa: E402
    ENCODER_MEL, SYNTH_MEL, frame_rms_db, log_mel, mel_filterbank,
)

SAMPLE_RATE = 16000
SECONDS = 1.3


def test_signal() -> np.ndarray:
    """Chirp 100 Hz -> 7 kHz, two tones, seeded noise, a quiet stretch (for the VAD), an
    amplitude ramp; float32 in [-1, 1], then rounded through int16 like real input."""
    n = int(SAMPLE_RATE * SECONDS)
    t = np.arange(n) / SAMPLE_RATE
    f0, f1 = 100.0, 7000.0
    chirp = np.sin(2 * np.pi * (f0 * t + (f1 - f0) / (2 * SECONDS) * t ** 2))
    tones = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.25 * np.sin(2 * np.pi * 3150 * t + 0.3)
    noise = np.random.default_rng(1234).standard_normal(n) * 0.05
    x = 0.3 * chirp + 0.3 * tones + noise
    x *= np.linspace(0.2, 1.0, n)
    x[int(0.55 * SAMPLE_RATE):int(0.75 * SAMPLE_RATE)] *= 0.001  # ~-60 dBFS: non-speech for the VAD
    x = np.clip(x, -1, 1)
    return (np.round(x * 32767) / 32768).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed fixtures, write nothing")
    args = parser.parse_args()
    out = ROOT / "test" / "fixtures" / "dsp"
    x = test_signal()
    arrays = {
        "signal": x,
        "encoderMel": log_mel(x, ENCODER_MEL),
        "synthMel": log_mel(x, SYNTH_MEL),
        "encoderFilterbank": mel_filterbank(ENCODER_MEL).astype(np.float32),
        "synthFilterbank": mel_filterbank(SYNTH_MEL).astype(np.float32),
        "encoderFrameRmsDb": frame_rms_db(x, ENCODER_MEL),
    }
    index = {"specs": {"encoderMel": ENCODER_MEL, "synthMel": SYNTH_MEL}, "sampleRate": SAMPLE_RATE, "arrays": {}}
    blob = bytearray()
    for name, arr in arrays.items():
        data = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        index["arrays"][name] = {"offset": len(blob), "shape": list(arr.shape), "dtype": "float32"}
        blob += data
    index_text = json.dumps(index, indent=2) + "\n"
    if args.check:
        same = (out / "dsp.bin").read_bytes() == bytes(blob) and (out / "dsp.json").read_text() == index_text
        print("dsp fixtures up to date" if same else "dsp fixtures differ from features.py: rerun make_dsp_fixtures.py")
        sys.exit(0 if same else 1)
    out.mkdir(parents=True, exist_ok=True)
    (out / "dsp.bin").write_bytes(bytes(blob))
    (out / "dsp.json").write_text(index_text)
    print(f"wrote {out}/dsp.bin ({len(blob)} bytes) and dsp.json: " +
          ", ".join(f"{k} {list(v.shape)}" for k, v in arrays.items()))


if __name__ == "__main__":
    main()
