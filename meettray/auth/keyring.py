"""Tokens in the Secret Service keyring (gnome-keyring, KWallet) without PyGObject.

msal-extensions encrypts on Linux through libsecret, which it reaches through
PyGObject (``gi``); a pip or pipx install has no PyGObject, so it fell back to
a plaintext file although a keyring was running.  This persistence talks to the
Secret Service over D-Bus with jeepney (pure Python) and keeps msal-extensions'
semantics: the same interface, a small *signal file* whose modification time
tells other processes to reload (it holds no token), and the same file lock
beside it (taken by ``PersistedTokenCache``).

The secret crosses the session bus in a ``plain`` session, which every Secret
Service must offer.  SecretStorage's encrypted session (``dh-ietf1024-…``) needed
``cryptography``: 11 MiB that the tray kept loaded for as long as it ran.  It
protected the secret only from a process that can watch this user's session bus,
and only this user (or root) can: a process that can also ask the Secret Service
for the same item directly, since an unlocked keyring answers any program of its
user.  The keyring still keeps it encrypted at rest, which is what it is for.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from msal_extensions.persistence import BasePersistence, FilePersistence, PersistenceNotFound

from meettray.errors import StorageError

log = logging.getLogger(__name__)

#: How the keyring item is found again (and shown in Seahorse / KWallet Manager).
LABEL = "meettray sign-in tokens"


class KeyringUnavailable(StorageError):
    """No Secret Service answered, or its keyring stayed locked; ``reason`` says which.

    At start-up it means "use the file instead"; later (the keyring locked while
    meettray runs) it reaches the person as a storage problem they can fix.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"meettray keeps your sign-in in the desktop keyring, but {reason}. Unlock the "
            "keyring (or sign in again) and retry.",
            detail=reason,
        )
        self.reason = reason


class SecretServicePersistence(BasePersistence):  # type: ignore[misc]  # untyped base
    """The MSAL token cache as one Secret Service item, encrypted by the keyring.

    Each operation opens its own short D-Bus connection: a jeepney connection is
    not safe to share between the threads that use the token cache, and none is
    left open between sign-ins.
    """

    is_encrypted = True

    def __init__(self, signal_location: str) -> None:
        self._attributes = {"application": "meettray", "signal": signal_location}
        self._signal = FilePersistence(signal_location)
        with self._collection(unlock=True):
            pass  # it answers, and is unlocked

    @contextmanager
    def _collection(self, *, unlock: bool = False) -> Iterator[_Collection]:
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            # ssh, containers, headless: no bus to ask (and no D-Bus imports)
            raise KeyringUnavailable("no Secret Service answers on the session bus")
        try:
            from jeepney import DBusErrorResponse
            from jeepney.io.blocking import open_dbus_connection
        except ImportError as exc:  # jeepney is a Linux dependency
            raise KeyringUnavailable(f"the Secret Service client is missing ({exc})") from exc
        try:
            connection = open_dbus_connection(bus="SESSION")
        except (OSError, KeyError, ValueError) as exc:
            # No session bus at all (ssh, containers) surfaces as OSError or KeyError.
            raise KeyringUnavailable("no Secret Service answers on the session bus") from exc
        try:
            collection = _Collection(connection)
            # The default keyring as it is: never created here.  Creating one asks the
            # desktop for a new password, a prompt that waits for ever where nobody can
            # answer it (seen on a GNOME session without a login keyring).
            if collection.path == "/":
                raise KeyringUnavailable("the Secret Service has no default keyring")
            if unlock and collection.locked():
                collection.unlock()  # the desktop may ask for the keyring password
            if collection.locked():
                raise KeyringUnavailable("the keyring is locked and was not unlocked")
            yield collection
        except DBusErrorResponse as exc:
            if exc.name in _NOT_THERE:
                raise KeyringUnavailable("no Secret Service answers on the session bus") from exc
            raise KeyringUnavailable(f"the Secret Service refused ({exc})") from exc
        except (TimeoutError, ConnectionError) as exc:
            raise KeyringUnavailable(f"the Secret Service did not answer ({exc})") from exc
        finally:
            connection.close()

    def save(self, content: str) -> None:
        with self._collection() as collection:
            collection.create_item(LABEL, self._attributes, content.encode())
        self._signal.touch()  # for time_last_modified(): other processes reload

    def load(self) -> str:
        with self._collection() as collection:
            item = next(iter(collection.search_items(self._attributes)), None)
            if item is None:
                raise PersistenceNotFound(message="No meettray tokens in the keyring yet.")
            return collection.secret(item).decode()

    def time_last_modified(self) -> float:
        return float(self._signal.time_last_modified())

    def get_location(self) -> str:
        return str(self._signal.get_location())

    def delete(self) -> None:
        """Remove the keyring item (a damaged cache)."""
        with self._collection() as collection:
            for item in collection.search_items(self._attributes):
                collection.delete(item)


_SECRETS = "org.freedesktop.secrets"
_PREFIX = "org.freedesktop.Secret."
#: The bus's answers when nothing provides the Secret Service.
_NOT_THERE = {
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.Spawn.ExecFailed",
    "org.freedesktop.DBus.Error.NoReply",
    "org.freedesktop.DBus.Error.Spawn.ServiceNotFound",
}
#: Seconds a call may take (not a prompt: the person types a password).
_CALL_TIMEOUT = 25


class _Collection:
    """The default collection, spoken to with the Secret Service API's calls (a session
    of the ``plain`` algorithm: see the module's docstring)."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        (self.path,) = self._call("/org/freedesktop/secrets", "Service", "ReadAlias", "s",
                                  "default")  # fmt: skip
        self._session = ""

    def _call(self, path: str, interface: str, method: str, signature: str = "",
              *body: Any) -> Any:  # fmt: skip
        from jeepney import DBusAddress, new_method_call
        from jeepney.wrappers import unwrap_msg

        address = DBusAddress(path, bus_name=_SECRETS, interface=_PREFIX + interface)
        message = new_method_call(address, method, signature or None, body)
        return unwrap_msg(self._connection.send_and_get_reply(message, timeout=_CALL_TIMEOUT))

    def locked(self) -> bool:
        from jeepney import DBusAddress, Properties
        from jeepney.wrappers import unwrap_msg

        address = DBusAddress(self.path, bus_name=_SECRETS, interface=_PREFIX + "Collection")
        reply = self._connection.send_and_get_reply(Properties(address).get("Locked"),
                                                    timeout=_CALL_TIMEOUT)  # fmt: skip
        ((_signature, value),) = unwrap_msg(reply)
        return bool(value)

    def unlock(self) -> None:
        _unlocked, prompt = self._call("/org/freedesktop/secrets", "Service", "Unlock", "ao",
                                       [self.path])  # fmt: skip
        self._prompt(prompt)

    def _prompt(self, path: str, *, required: bool = False) -> None:
        """Let the desktop ask the person (a password), and wait for the answer;
        ``required``: its dismissal is a :class:`KeyringUnavailable`."""
        if path == "/":
            return  # nothing to ask
        from jeepney import MatchRule, MessageType, message_bus

        rule = MatchRule(type=MessageType.signal, path=path, interface=_PREFIX + "Prompt",
                         member="Completed")  # fmt: skip
        with self._connection.filter(rule) as signals:
            self._connection.send_and_get_reply(message_bus.AddMatch(rule),
                                                timeout=_CALL_TIMEOUT)  # fmt: skip
            self._call(path, "Prompt", "Prompt", "s", "")
            dismissed, _result = self._connection.recv_until_filtered(signals).body
        if dismissed and required:
            raise KeyringUnavailable("the keyring's question was dismissed")

    def _session_path(self) -> str:
        if not self._session:
            service = "/org/freedesktop/secrets"
            _output, self._session = self._call(service, "Service", "OpenSession", "sv",
                                                "plain", ("s", ""))  # fmt: skip
        return self._session

    def search_items(self, attributes: dict[str, str]) -> list[str]:
        (items,) = self._call(self.path, "Collection", "SearchItems", "a{ss}", attributes)
        return list(items)

    def create_item(self, label: str, attributes: dict[str, str], secret: bytes) -> None:
        properties = {
            _PREFIX + "Item.Label": ("s", label),
            _PREFIX + "Item.Attributes": ("a{ss}", attributes),
        }
        value = (self._session_path(), b"", secret, "text/plain")
        _item, prompt = self._call(self.path, "Collection", "CreateItem", "a{sv}(oayays)b",
                                   properties, value, True)  # fmt: skip
        self._prompt(prompt, required=True)

    def secret(self, item: str) -> bytes:
        ((_session, _parameters, value, _type),) = self._call(item, "Item", "GetSecret", "o",
                                                             self._session_path())  # fmt: skip
        return bytes(value)

    def delete(self, item: str) -> None:
        (prompt,) = self._call(item, "Item", "Delete")
        self._prompt(prompt, required=True)
