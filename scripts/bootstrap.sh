# Sourced by scripts/run.sh and scripts/test.sh: makes ./.venv hold meettray
# and (with "test") everything the test suite needs, on a fresh Debian or
# Ubuntu machine as well as on a developer's.  Idempotent and quick when
# nothing changed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
want_test=${1:-}

# Debian packages: Qt's xcb platform libraries for the app, and for the tests
# a real X server (Xvfb), xdotool to click and type, xclip to read the clipboard.
apt_packages=(libegl1 libgl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3
    libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
    libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0)
if [[ $want_test == test ]]; then
    apt_packages+=(xvfb xclip xdotool xauth x11-utils trayer imagemagick dbus-daemon desktop-file-utils appstream)
fi
missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        echo "bootstrap: installing ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    else
        echo "bootstrap: please install these Debian packages: ${missing[*]}" >&2
    fi
fi

python=${PYTHON:-python3}
if [[ ! -x $root/.venv/bin/python ]]; then
    "$python" -m venv "$root/.venv"
fi
extra=""
[[ $want_test == test ]] && extra="[test]"
stamp="$root/.venv/.meettray-installed$extra"
if [[ ! -f $stamp || $root/pyproject.toml -nt $stamp ]]; then
    "$root/.venv/bin/python" -m pip install -q --disable-pip-version-check -e "$root$extra"
    touch "$stamp"
fi
