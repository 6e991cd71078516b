#!/bin/bash

# Required parameters:
# @raycast.schemaVersion 1
# @raycast.title Join next meeting
# @raycast.mode silent
# @raycast.packageName meettray

# Optional parameters:
# @raycast.icon ▶️

# Documentation:
# @raycast.description Opens your next Teams meeting
# @raycast.author meettray

# MEETTRAY: the meettray command (default: meettray on the PATH, else the app's).
set -euo pipefail
read -r -a meettray <<< "${MEETTRAY:-$(command -v meettray || echo /Applications/meettray.app/Contents/MacOS/meettray)}"
"${meettray[@]}" open-link meettray://join/next
