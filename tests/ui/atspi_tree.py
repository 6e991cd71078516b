"""What a screen reader finds of one application over AT-SPI, as JSON on stdout.

Run by the system Python, which has D-Bus (python3-dbus), not by the test's: the
test starts it as ``/usr/bin/python3 tests/ui/atspi_tree.py PID [press NAME]``.  It
walks the accessibility tree of the application with that process id (each node: role,
name, states, screen extents, actions), or presses the button named NAME (AT-SPI's
DoAction, as a screen reader's user does)."""

from __future__ import annotations

import json
import sys
from typing import Any

import dbus  # type: ignore[import-not-found]  # the system Python's

ACCESSIBLE = "org.a11y.atspi.Accessible"
#: AT-SPI state bits (atspi-constants.h), as GetState's two 32-bit words give them.
STATES = {"default": 39, "enabled": 8, "focusable": 11, "focused": 12, "showing": 25,
          "visible": 30}  # fmt: skip


def _bus() -> Any:
    session = dbus.SessionBus()
    address = session.get_object("org.a11y.Bus", "/org/a11y/bus").GetAddress(
        dbus_interface="org.a11y.Bus"
    )
    return dbus.bus.BusConnection(str(address))


def _node(bus: Any, name: str, path: str, depth: int = 0) -> dict[str, Any]:
    obj = bus.get_object(name, path, introspect=False)
    props = dbus.Interface(obj, "org.freedesktop.DBus.Properties")
    words = [int(w) for w in obj.GetState(dbus_interface=ACCESSIBLE)]
    bits = words[0] | (words[1] << 32)
    interfaces = [str(i) for i in obj.GetInterfaces(dbus_interface=ACCESSIBLE)]
    node: dict[str, Any] = {
        "path": path,
        "role": str(obj.GetRoleName(dbus_interface=ACCESSIBLE)),
        "name": str(props.Get(ACCESSIBLE, "Name")),
        "states": sorted(s for s, bit in STATES.items() if bits >> bit & 1),
    }
    if "org.a11y.atspi.Component" in interfaces:
        x, y, w, h = obj.GetExtents(dbus.UInt32(0), dbus_interface="org.a11y.atspi.Component")
        node["extents"] = [int(x), int(y), int(w), int(h)]
    if "org.a11y.atspi.Action" in interfaces:
        count = int(dbus.Interface(obj, "org.freedesktop.DBus.Properties").Get(
            "org.a11y.atspi.Action", "NActions"))  # fmt: skip
        node["actions"] = [str(obj.GetName(i, dbus_interface="org.a11y.atspi.Action"))
                           for i in range(count)]  # fmt: skip
    if depth < 40:
        node["children"] = [
            _node(bus, str(child_name), str(child_path), depth + 1)
            for child_name, child_path in obj.GetChildren(dbus_interface=ACCESSIBLE)
        ]
    return node


def _application(bus: Any, pid: int) -> tuple[str, str]:
    root = bus.get_object("org.a11y.atspi.Registry", "/org/a11y/atspi/accessible/root")
    for name, path in root.GetChildren(dbus_interface=ACCESSIBLE):
        owner = bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
        if int(owner.GetConnectionUnixProcessID(name)) == pid:
            return str(name), str(path)
    raise SystemExit(f"no application with process id {pid} on the accessibility bus")


def _press(bus: Any, app: str, node: dict[str, Any], wanted: str) -> bool:
    if node["name"] == wanted and node.get("actions"):
        obj = bus.get_object(app, node["path"], introspect=False)
        obj.DoAction(0, dbus_interface="org.a11y.atspi.Action")
        return True
    return any(_press(bus, app, child, wanted) for child in node.get("children", []))


def main(argv: list[str]) -> int:
    bus = _bus()
    app, path = _application(bus, int(argv[0]))
    tree = _node(bus, app, path)
    if argv[1:2] == ["press"]:
        return 0 if _press(bus, app, tree, argv[2]) else 1
    json.dump(tree, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
