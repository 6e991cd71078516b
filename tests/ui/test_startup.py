"""The tray's start-up: a tray that cannot start lets go of its one-tray lock."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot


@pytest.mark.posix
@pytest.mark.logs("the tray app could not start")
def test_a_tray_that_fails_at_start_releases_its_lock(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It hung holding the lock, with no window and no socket: no other tray could start
    and 'meettray now' got no answer."""
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from meettray import lock
    from meettray.ui.shell import main

    claim = lock.claim_instance()
    assert claim is not None
    assert isinstance(QApplication.instance(), QApplication)

    class App:  # the session's QApplication must not be told to exit
        def __init__(self) -> None:
            self.exits: list[int] = []

        def exit(self, status: int) -> None:
            self.exits.append(status)

    app = App()
    startup = main._Startup(app, QSystemTrayIcon(), config_path=None, demo=False,  # type: ignore[arg-type]
                            verbose=0)  # fmt: skip
    startup.claim = claim

    def fail() -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(startup, "_begin", fail)
    startup.begin()

    again = lock.claim_instance()  # another tray may start now
    assert again is not None
    again.release()
    assert "could not start" in capsys.readouterr().err
    assert app.exits == [1]
