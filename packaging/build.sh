#!/usr/bin/env bash
# Build the one-folder package for this OS with PyInstaller, into DIST_DIR (default dist/):
#   Linux: meettray/ with the desktop file, AppStream metainfo and hicolor icons under
#          share/, ready to copy to /opt;  Windows: meettray/meettray.exe;  macOS: meettray.app.
#   bash packaging/build.sh [DIST_DIR]
# Installs what it needs first (PyInstaller comes with the test extras), like scripts/test.sh.
set -euo pipefail
source "$(dirname "$0")/../scripts/bootstrap.sh" test
dist=${1:-$root/dist}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/python" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$dist" --workpath "$work" "$root/packaging/meettray.spec"
if [[ $os == linux ]]; then
    share="$dist/meettray/share"
    icons="$root/meettray/resources/icons"
    install -Dm644 "$root/packaging/linux/meettray.desktop" "$share/applications/meettray.desktop"
    # The meettray:// handler (hidden from menus); update-desktop-database picks it up.
    install -Dm644 "$root/packaging/linux/meettray-links.desktop" \
        "$share/applications/meettray-links.desktop"
    install -Dm644 "$root/packaging/linux/io.github.meettray.metainfo.xml" \
        "$share/metainfo/io.github.meettray.metainfo.xml"
    for size in 16 22 24 32 48 64 128 256; do
        install -Dm644 "$icons/meettray-$size.png" \
            "$share/icons/hicolor/${size}x${size}/apps/meettray.png"
    done
    install -Dm644 "$icons/meettray.svg" "$share/icons/hicolor/scalable/apps/meettray.svg"
fi
du -sh "$dist"/meettray* | cut -f1 | head -n 1
