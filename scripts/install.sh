#!/usr/bin/env bash
# Installs seqlab's system data packages (Debian) and Python requirements. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
# postgresql: the server that the multi-worker sweep test starts on loopback
APT_PACKAGES="dataset-fashion-mnist wordnet-base bible-kjv-text bible-kjv espeak-ng fortunes postgresql"
missing=""
for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
python -m pip install -q -r requirements.txt
python -m pip install -q --no-deps -e .
