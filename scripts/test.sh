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
# The Windows and macOS modules as those systems see them (nothing here can run them).  Code
# for another OS is unreachable by design there, and an ignore one OS needs another may not.
for platform in win32 darwin; do
    echo "== mypy --platform $platform" &&
        "$bin/python" -m mypy --platform "$platform" --no-warn-unreachable --no-warn-unused-ignores -p meettray
done
# -m "" undoes pyproject's "not slow": CI runs the wheel, the package and the long trials too.
echo "== pytest" && "$bin/python" -m pytest -m "" "$@"
