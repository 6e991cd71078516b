"""meettray: a fresh Microsoft Teams meeting link on your clipboard in one click."""

__version__ = "0.1.0"
APP_NAME = "meettray"


def new_external_id() -> str:
    """A fresh ``externalId`` for ``createOrGet``: one per user action.

    Here, not in :mod:`meettray.meetings`, so that ``meettray now`` can choose one before
    it asks the running tray without loading anything (the secrets module would pull in
    hashlib and OpenSSL: milliseconds on that path).
    """
    import os

    return os.urandom(16).hex()
