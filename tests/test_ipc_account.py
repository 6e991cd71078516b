"""``now --account NAME`` to a running tray: the request carries the account, checked as
a preset's name is (a name, never a path or another type), and the command's first stage
writes the same bytes as the full command."""

from __future__ import annotations

import pytest

from meettray import ipc
from meettray.ipc import Outcome, ProtocolError, Request

from . import test_entry
from .test_entry import MEETING, StandInTray, first_stage

pytestmark = pytest.mark.posix

tray = test_entry.tray  # the stand-in tray's fixture


def test_the_account_travels_in_the_request() -> None:
    asked = Request("now", subject="Call", external_id="abcdef1234567890", preset="customer",
                    account="fabrikam")  # fmt: skip
    assert ipc.decode_request(ipc.encode(asked)) == asked
    assert ipc.decode_request(ipc.encode(Request("now"))).account is None


@pytest.mark.parametrize(
    "account", ['"../fabrikam"', '"Fabrikam"', '["fabrikam"]', "7", '""', '"' + "a" * 33 + '"']
)
def test_an_account_that_is_not_a_name_is_refused(account: str) -> None:
    line = f'{{"command": "now", "account": {account}, "version": {ipc.PROTOCOL_VERSION}}}\n'
    with pytest.raises(ProtocolError, match="Malformed request"):
        ipc.decode_request(line.encode())


def test_an_older_tray_is_told_apart_by_the_protocol_version() -> None:
    """A tray that knows no accounts must not make the meeting in the default account: the
    version says the two differ, and the command makes the meeting itself."""
    assert ipc.PROTOCOL_VERSION == 2
    with pytest.raises(ProtocolError, match="different versions"):
        ipc.decode_request(b'{"command": "now", "account": "fabrikam", "version": 1}\n')


def test_the_first_stage_sends_the_account_as_the_full_command_would(
    tray: list[StandInTray],
) -> None:
    tray.append(StandInTray(Outcome(ok=True, meeting=MEETING, copied=True)))
    done, loaded = first_stage("now", "--account", "fabrikam", "--preset=customer")
    assert done.returncode == 0, done.stderr
    assert loaded == []  # still nothing but the first stage
    (line,) = tray[0].lines
    request = ipc.decode_request(line)
    assert request == Request("now", external_id=request.external_id, preset="customer",
                              account="fabrikam")  # fmt: skip
    assert line == ipc.encode(request)
