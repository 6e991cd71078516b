#!/bin/bash

# Required parameters:
# @raycast.schemaVersion 1
# @raycast.title Copy last meeting link
# @raycast.mode silent
# @raycast.packageName meettray

# Optional parameters:
# @raycast.icon 📋

# Documentation:
# @raycast.description The most recent meeting's link on the clipboard again
# @raycast.author meettray

# MEETTRAY: the meettray command (default: meettray on the PATH, else the app's).
set -euo pipefail
read -r -a meettray <<< "${MEETTRAY:-$(command -v meettray || echo /Applications/meettray.app/Contents/MacOS/meettray)}"
link=$("${meettray[@]}" history --limit 1 | sed -n '2s/^ *//p')
if [[ -z $link ]]; then
    echo "No meeting yet"
    exit 1
fi
copy=(pbcopy)  # macOS, where Raycast runs; the desktop's own tool elsewhere
[[ -n ${WAYLAND_DISPLAY:-} ]] && copy=(wl-copy)
[[ -z ${WAYLAND_DISPLAY:-} && -n ${DISPLAY:-} ]] && copy=(xclip -selection clipboard)
if ! printf %s "$link" | "${copy[@]}" 2>/dev/null; then
    echo "Not copied (${copy[0]} could not); the link:" >&2
fi
echo "$link"
