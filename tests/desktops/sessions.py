"""Real desktops, headless: GNOME (gnome-shell) and KDE Plasma's KWin, as people run them.

Each session gets private D-Bus buses and a runtime folder.  The session bus
is started with the desktop's environment, so that what it activates
(portals, the keyring) finds the compositor: gnome-shell and
xdg-desktop-portal need ``WAYLAND_DISPLAY`` in the activation environment.
Two pitfalls:

- gnome-shell wants a system bus: a private session-type bus stands in;
- ``/usr/bin/kwin_wayland`` carries a file capability (``cap_sys_resource``)
  that a container may refuse to exec: a copy without it runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

APPINDICATOR_UUIDS = ("ubuntu-appindicators@ubuntu.com", "appindicatorsupport@rgcjonas.gmail.com")


@dataclass
class Session:
    """A running desktop: the environment its programs get, and where it logs."""

    env: dict[str, str]
    log: Path
    runtime: Path

    def run(self, *args: str, timeout: float = 15) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)  # fmt: skip

    def call(self, destination: str, path: str, method: str, *args: str,
             timeout_ms: int = 5000) -> subprocess.CompletedProcess[str]:  # fmt: skip
        """A D-Bus method call on the session bus (dbus-send), as another program makes it."""
        return self.run("dbus-send", "--session", "--print-reply",
                        f"--reply-timeout={timeout_ms}", f"--dest={destination}", path, method,
                        *args)  # fmt: skip

    def bus_call(self, method: str, *args: str) -> subprocess.CompletedProcess[str]:
        """A call to the bus itself (org.freedesktop.DBus)."""
        return self.call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                         f"org.freedesktop.DBus.{method}", *args)  # fmt: skip


def _require(*programs: str) -> None:
    for program in programs:
        if shutil.which(program) is None and not Path(program).exists():
            raise RuntimeError(f"{program} is not installed: run the README's test command")


def _bus(stack: ExitStack, env: dict[str, str]) -> str:
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                           env=env)  # fmt: skip
    assert bus.stdout is not None
    address = bus.stdout.readline().strip()
    stack.callback(_stop, bus)
    return address


def _stop(process: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _base_env(runtime: Path, desktop: str, wayland: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "XAUTHORITY", "DBUS_SESSION_BUS_ADDRESS")}  # fmt: skip
    home = runtime / "home"
    home.mkdir()
    env.update({
        "XDG_RUNTIME_DIR": str(runtime), "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
        "XDG_CURRENT_DESKTOP": desktop, "XDG_SESSION_TYPE": "wayland",
        "WAYLAND_DISPLAY": wayland, "GSETTINGS_BACKEND": "keyfile",
    })  # fmt: skip
    return env


def _wait(condition: object, what: str, timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.1)


@contextmanager
def gnome(*, appindicator: bool) -> Iterator[Session]:
    """Headless gnome-shell (mutter) with Xwayland; the AppIndicator extension on or off."""
    _require("dbus-daemon", "gnome-shell", "gsettings", "Xwayland")
    with ExitStack() as stack:
        runtime = Path(tempfile.mkdtemp(prefix="gnome-"))
        runtime.chmod(0o700)
        stack.callback(shutil.rmtree, runtime, True)
        env = _base_env(runtime, "GNOME", "wayland-gnome")
        env["DBUS_SYSTEM_BUS_ADDRESS"] = _bus(stack, env)  # a stand-in system bus
        env["DBUS_SESSION_BUS_ADDRESS"] = _bus(stack, env)
        session = Session(env, runtime / "gnome-shell.log", runtime)
        set_appindicator(session, appindicator)
        shell = subprocess.Popen(
            ["gnome-shell", "--headless", "--wayland", "--wayland-display", "wayland-gnome",
             "--virtual-monitor", "1280x800"],
            env=env, stdout=stack.enter_context(session.log.open("wb")), stderr=subprocess.STDOUT,
        )  # fmt: skip
        stack.callback(_stop, shell)
        _wait(lambda: "GNOME Shell started" in session.log.read_text(errors="replace"),
              "gnome-shell", 60, shell)  # fmt: skip
        # Xwayland's display, as every GNOME session has it (and its cookie).
        found = re.search(r"Using public X11 display (:\d+)", session.log.read_text())
        if found:
            env["DISPLAY"] = found.group(1)
            cookies = sorted(runtime.glob(".mutter-Xwaylandauth.*"))
            if cookies:
                env["XAUTHORITY"] = str(cookies[-1])
        env["WAYLAND_DISPLAY"] = str(runtime / "wayland-gnome")  # absolute: any runtime folder
        yield session


def set_appindicator(session: Session, enabled: bool) -> None:
    """Turn the AppIndicator extension on or off, as GNOME does at login (and unlock)."""
    uuid = next(
        (uuid for uuid in APPINDICATOR_UUIDS
         if Path("/usr/share/gnome-shell/extensions", uuid).exists()),
        None,
    )  # fmt: skip
    if uuid is None:
        raise RuntimeError("the AppIndicator extension is not installed: run the README's test "
                           "command (gnome-shell-extension-appindicator)")  # fmt: skip
    value = f"['{uuid}']" if enabled else "@as []"
    done = session.run("gsettings", "set", "org.gnome.shell", "enabled-extensions", value)
    if done.returncode != 0:
        raise RuntimeError(f"gsettings failed: {done.stderr}")


def _owned(session: Session, name: str) -> bool:
    return "boolean true" in session.bus_call("NameHasOwner", f"string:{name}").stdout


def kde_portal_binary() -> str:
    for folder in ("/usr/lib/x86_64-linux-gnu/libexec", "/usr/lib/aarch64-linux-gnu/libexec",
                   "/usr/libexec", "/usr/lib/libexec"):  # fmt: skip
        path = Path(folder, "xdg-desktop-portal-kde")
        if path.exists():
            return str(path)
    raise RuntimeError("xdg-desktop-portal-kde is not installed: run the README's test command")


@contextmanager
def plasma() -> Iterator[Session]:
    """Headless kwin_wayland 5.27 with the real xdg-desktop-portal and its KDE backend."""
    _require("dbus-daemon", "kwin_wayland", "/usr/libexec/xdg-desktop-portal")
    kde_portal_binary()
    with ExitStack() as stack:
        runtime = Path(tempfile.mkdtemp(prefix="kwin-"))
        runtime.chmod(0o700)
        stack.callback(shutil.rmtree, runtime, True)
        kwin = runtime / "kwin_wayland"
        shutil.copy("/usr/bin/kwin_wayland", kwin)  # without its file capability
        env = _base_env(runtime, "KDE", "wayland-kwin")
        env["KDE_FULL_SESSION"] = "true"
        env["DBUS_SESSION_BUS_ADDRESS"] = _bus(stack, env)
        session = Session(env, runtime / "kwin.log", runtime)
        compositor = subprocess.Popen(
            [str(kwin), "--virtual", "--width", "1280", "--height", "800",
             "--socket", "wayland-kwin", "--no-lockscreen"],
            env=env, stdout=stack.enter_context(session.log.open("wb")), stderr=subprocess.STDOUT,
        )  # fmt: skip
        stack.callback(_stop, compositor)
        _wait((runtime / "wayland-kwin").exists, "kwin_wayland", 60, compositor)
        # The KDE backend, started here rather than by the bus, so that its log is ours.
        backend_log = runtime / "portal-kde.log"
        backend = subprocess.Popen([kde_portal_binary()], env=env,
                                   stdout=stack.enter_context(backend_log.open("wb")),
                                   stderr=subprocess.STDOUT)  # fmt: skip
        stack.callback(_stop, backend)
        _wait(lambda: _owned(session, "org.freedesktop.impl.portal.desktop.kde"),
              "xdg-desktop-portal-kde", 30, backend)  # fmt: skip
        portal_log = runtime / "portal.log"
        portal = subprocess.Popen(["/usr/libexec/xdg-desktop-portal", "--verbose"], env=env,
                                  stdout=stack.enter_context(portal_log.open("wb")),
                                  stderr=subprocess.STDOUT)  # fmt: skip
        stack.callback(_stop, portal)
        _wait(lambda: "org.freedesktop.portal.Desktop acquired" in portal_log.read_text(),
              "xdg-desktop-portal", 30, portal)  # fmt: skip
        env["WAYLAND_DISPLAY"] = str(runtime / "wayland-kwin")
        yield session
