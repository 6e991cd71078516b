#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs, then
# lints (ruff), type-checks (mypy) and runs pytest.  Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh" test
cd "$root"
echo "== ruff" && .venv/bin/ruff check meettray tests
echo "== ruff format" && .venv/bin/ruff format --check meettray tests
echo "== mypy" && .venv/bin/mypy
echo "== pytest" && .venv/bin/python -m pytest "$@"
