#!/usr/bin/env bash
# Run meettray from this checkout, installing what it needs first.
#   bash scripts/run.sh --demo        # the built-in demo, no Microsoft account needed
#   bash scripts/run.sh now           # with your own configuration
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
exec "$bin/meettray" "$@"
