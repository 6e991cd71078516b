#!/usr/bin/env bash
# Build the Linux one-folder package: dist/meettray/ with the desktop file,
# AppStream metainfo and hicolor icons under share/, ready to copy to /opt.
#   bash packaging/build-linux.sh [DIST_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dist=${1:-$root/dist}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/.venv/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath "$dist" --workpath "$work" "$root/packaging/meettray.spec"
share="$dist/meettray/share"
install -Dm644 "$root/packaging/linux/meettray.desktop" "$share/applications/meettray.desktop"
install -Dm644 "$root/packaging/linux/io.github.meettray.metainfo.xml" \
    "$share/metainfo/io.github.meettray.metainfo.xml"
for size in 16 22 24 32 48 64 128 256; do
    install -Dm644 "$root/meettray/resources/icons/meettray-$size.png" \
        "$share/icons/hicolor/${size}x${size}/apps/meettray.png"
done
install -Dm644 "$root/meettray/resources/icons/meettray.svg" "$share/icons/hicolor/scalable/apps/meettray.svg"
du -sh "$dist/meettray" | cut -f1
