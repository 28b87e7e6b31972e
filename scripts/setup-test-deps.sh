#!/usr/bin/env bash
# Debian packages the test suite needs: PyTorch and friends for training/ tests, the speech engines
# and recognizer used by training/evaluation tests, sox for fixtures. Idempotent; skips what is there.
set -euo pipefail
packages=(python3-torch python3-numpy python3-scipy python3-soundfile python3-onnx
          espeak-ng flite sox pocketsphinx pocketsphinx-en-us fortunes fortunes-min chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
