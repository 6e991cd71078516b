#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs, then
# lints (ruff, actionlint), checks the layers (import-linter), type-checks (mypy) and runs pytest.  Extra arguments
# go to pytest.  .ci/run and the GitHub workflow both run exactly this.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh" test
cd "$root"
echo "== ruff" && "$bin/python" -m ruff check meettray tests
echo "== ruff format" && "$bin/python" -m ruff format --check meettray tests
if [[ $os == linux ]]; then  # one OS is enough to check the workflow files
    echo "== actionlint" && "$bin/actionlint" && echo "workflows are valid"
fi
echo "== import-linter" && "$bin/lint-imports"
echo "== mypy" && "$bin/python" -m mypy
echo "== pytest" && "$bin/python" -m pytest "$@"
