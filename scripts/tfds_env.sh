#!/usr/bin/env bash
# .venv-tfds: this Python's packages (what scripts/install.sh installed) plus requirements-tfds.txt
# (TensorFlow and pydub), with which TFDS prepares the catalogue datasets whose builders need them.
# The main environment stays without TensorFlow, as a user's install is. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-tfds/bin/python ]; then
  python -m venv .venv-tfds
  # a .pth line that starts with `import` runs at start-up: the outer site directories come after
  # the venv's own, with their .pth files (the editable seqlab install among them)
  outer=$(python -c 'import site; print(repr(site.getsitepackages()))')
  inner=$(.venv-tfds/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
  echo "import site; list(map(site.addsitedir, $outer))" > "$inner/seqlab-outer.pth"
fi
.venv-tfds/bin/python -m pip install -q -r requirements-tfds.txt
