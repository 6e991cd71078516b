#!/bin/bash

# Required parameters:
# @raycast.schemaVersion 1
# @raycast.title Meet now
# @raycast.mode silent
# @raycast.packageName meettray

# Optional parameters:
# @raycast.icon 📞

# Documentation:
# @raycast.description A Teams meeting starting now, its link on the clipboard
# @raycast.author meettray

# MEETTRAY: the meettray command (default: meettray on the PATH, else the app's).
set -euo pipefail
read -r -a meettray <<< "${MEETTRAY:-$(command -v meettray || echo /Applications/meettray.app/Contents/MacOS/meettray)}"
"${meettray[@]}" now
