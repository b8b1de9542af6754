#!/usr/bin/env bash
# The whole check suite: lint, format, import contracts (DESIGN.md's arrows), then the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check .
ruff format --check .
lint-imports
python -m pytest -n 2 -q tests "$@"
