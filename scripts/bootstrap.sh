# Sourced by scripts/run.sh, scripts/test.sh and packaging/build.sh: makes ./.venv hold
# meettray and (with "test") everything the test suite needs, on a fresh Debian or Ubuntu
# machine, a developer's machine, or a GitHub runner (Linux, macOS, Windows with Git Bash).
# Idempotent and quick when nothing changed.  Sets $root and $bin (the venv's scripts).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
want_test=${1:-}
case "$(uname -s)" in
    Linux*) os=linux ;;
    Darwin*) os=macos ;;
    *) os=windows ;;  # Git Bash / MSYS
esac

# Debian packages: Qt's xcb platform libraries for the app, and for the tests
# a real X server (Xvfb), xdotool to click and type, xclip to read the clipboard.
if [[ $os == linux ]] && command -v dpkg-query >/dev/null; then
    apt_packages=(libegl1 libgl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3
        libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
        libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0)
    if [[ $want_test == test ]]; then
        apt_packages+=(xvfb xclip xdotool xauth x11-utils trayer imagemagick dbus-daemon dbus-bin
            desktop-file-utils appstream gnome-keyring sway wl-clipboard libglib2.0-bin xdg-utils
            gnome-settings-daemon-common
            # the real desktops, headless (tests/desktops): GNOME and KDE Plasma's KWin
            mutter gnome-shell gjs gnome-shell-extension-appindicator xwayland
            kwin-wayland xdg-desktop-portal xdg-desktop-portal-kde qtwayland5
            # the accessibility tree (tests/ui/test_atspi_x11.py): AT-SPI's bus, read
            # from the system Python over D-Bus
            at-spi2-core python3-dbus
            # a real screen reader (tests/ui/test_orca_x11.py)
            orca)
    fi
    missing=()
    for p in "${apt_packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        as_root=()
        [[ $(id -u) == 0 ]] || as_root=(sudo -n)  # GitHub's runners: passwordless sudo
        if command -v apt-get >/dev/null && "${as_root[@]}" true 2>/dev/null; then
            echo "bootstrap: installing ${missing[*]}" >&2
            "${as_root[@]}" apt-get update -qq
            DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq \
                --no-install-recommends "${missing[@]}" >/dev/null
        else
            echo "bootstrap: please install these Debian packages: ${missing[*]}" >&2
        fi
    fi
fi

# sway (the Wayland tests' compositor) refuses to run as root: give it a user of its own.
if [[ $os == linux && $want_test == test && $(id -u) == 0 ]] && ! id meettray-sway >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin meettray-sway
fi

python=${PYTHON:-python3}
command -v "$python" >/dev/null || python=python  # Windows has no python3
bin="$root/.venv/bin"
[[ $os == windows ]] && bin="$root/.venv/Scripts"
if [[ ! -x $bin/python && ! -x $bin/python.exe ]]; then
    "$python" -m venv "$root/.venv"
fi
extra=""
[[ $want_test == test ]] && extra="[test]"
stamp="$root/.venv/.meettray-installed$extra"
if [[ ! -f $stamp || $root/pyproject.toml -nt $stamp ]]; then
    "$bin/python" -m pip install -q --disable-pip-version-check -e "$root$extra"
    touch "$stamp"
fi
