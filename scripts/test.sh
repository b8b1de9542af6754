#!/usr/bin/env bash
# The whole check suite: lint, format, import contracts (docs/architecture.md), then the tests.
# It first installs what the tests need (idempotent, quick when already there): everything
# scripts/install.sh installs, and the test-only Python packages of requirements-test.txt. With no
# arguments it ends with the tests that need TensorFlow, run in .venv-tfds (scripts/tfds_env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
python -m pip install -q -r requirements-test.txt
ruff check .
ruff format --check .
lint-imports
python -m pytest -n 2 --dist worksteal -q tests "$@"
if [ $# -eq 0 ]; then
  # the tests that need TensorFlow (they skip above), in .venv-tfds, where it is installed
  bash scripts/tfds_env.sh
  SEQLAB_TENSORFLOW_TESTS=1 .venv-tfds/bin/python -m pytest -q -m needs_tensorflow tests
fi
