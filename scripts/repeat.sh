#!/usr/bin/env bash
# The Qt and socket tests, N times in a row (default 20), to catch flaky tests before CI
# does: stops at the first failing run and says which.  Extra arguments replace the tests
# run (any pytest arguments):
#   bash scripts/repeat.sh            # 20 runs of the Qt and socket tests
#   bash scripts/repeat.sh 5 tests/ui/test_ipc_server.py -k stale
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh" test
cd "$root"
runs="${1:-20}"
[[ $# -gt 0 ]] && shift
# Qt: tests/ui, platform, hotkeys (conftest.QT_TESTS); sockets: the tray's server and
# its lock.  Their slow members stay out ("not slow"), as in a contributor's plain pytest.
tests=(tests/ui tests/platform tests/hotkeys tests/test_lock.py tests/faults/test_crashes.py)
[[ $# -gt 0 ]] && tests=("$@")
for ((run = 1; run <= runs; run++)); do
    echo "== run $run of $runs"
    if ! "$bin/python" -m pytest -q -x -p no:cacheprovider "${tests[@]}"; then
        echo "== run $run of $runs failed"
        exit 1
    fi
done
echo "== $runs runs passed"
