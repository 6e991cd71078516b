"""The fake's TLS certificates: a CA of its own and a certificate for 127.0.0.1 from it.

``trustme`` makes them, with ``cryptography``: 13 MiB that a demo tray kept loaded for
as long as it ran, for a moment's work.  So the demo keeps them (:func:`kept`): made
once, in a short-lived Python process of its own, in a private folder, and reused.
Tests, which start a fake each, make them in theirs (:func:`write`).  Either way they
are two files: the CA's certificate, which the client trusts (and nothing else: see
``demo/runtime.py``), and the server's key and chain, readable by this user only.  The
CA's own key is never written.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

#: Inside the folder given to :func:`write` or :func:`kept`.
CA_FILE = "fake365-ca.pem"
SERVER_FILE = "fake365-server.pem"


def write(folder: Path) -> tuple[Path, Path]:
    """Make a CA and a certificate for 127.0.0.1 and localhost, in ``folder`` (a private
    one); the CA's certificate and the server's key and chain."""
    import trustme

    ca = trustme.CA(organization_name="meettray fake Microsoft 365")
    server = ca.issue_cert("127.0.0.1", "localhost")
    for name, content, mode in ((SERVER_FILE, server.private_key_and_cert_chain_pem, 0o600),
                                (CA_FILE, ca.cert_pem, 0o644)):  # fmt: skip
        (folder / name).unlink(missing_ok=True)
        descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(descriptor, "wb") as file:
            file.write(content.bytes())
    return folder / CA_FILE, folder / SERVER_FILE


def kept(folder: Path) -> tuple[Path, Path]:
    """:func:`write`'s files in ``folder`` (a private one): those made before, when they
    are this user's alone; else new ones, made in a process of their own (here in a
    frozen app, which cannot start Python)."""
    if not (_usable(folder / CA_FILE, 0o022) and _usable(folder / SERVER_FILE, 0o077)):
        if getattr(sys, "frozen", False):
            return write(folder)
        code = f"import sys, pathlib\nimport {__name__} as c\nc.write(pathlib.Path(sys.argv[1]))"
        subprocess.run([sys.executable, "-c", code, str(folder)], check=True, timeout=60,
                       stdin=subprocess.DEVNULL)  # fmt: skip
    return folder / CA_FILE, folder / SERVER_FILE


def _usable(path: Path, others: int) -> bool:
    """A regular file of this user's (not a link) with none of the ``others`` mode bits."""
    try:
        info = path.lstat()
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - the folder's ACL is the user's
        return True
    return info.st_uid == os.getuid() and not info.st_mode & others
