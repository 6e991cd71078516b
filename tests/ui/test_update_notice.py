"""The tray tells of a newer meettray, when the person asked it to check."""

from __future__ import annotations

import dataclasses
import functools

import pytest
from pytestqt.qtbot import QtBot

from meettray import updates
from meettray.config import Config
from meettray.ui.app_model.model import AppModel
from meettray.ui.app_model.notices import Notice
from meettray.ui.app_model.state import ServiceStatus

from ..test_updates import Releases, releases  # noqa: F401 - the fixture


def test_a_newer_release_is_a_notice_with_its_page(
    make_model: functools.partial[AppModel], config: Config, releases: Releases,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch, qtbot: QtBot,
) -> None:  # fmt: skip
    monkeypatch.setattr(updates, "RELEASES_URL", releases.url)
    releases.release("v99.0.0")
    told: list[Notice] = []
    off = make_model()
    off.notify.connect(told.append)
    off.start()
    on = make_model(config=dataclasses.replace(
        config, ui=dataclasses.replace(config.ui, check_for_updates=True)))  # fmt: skip
    on.notify.connect(told.append)
    on.start()
    qtbot.waitUntil(lambda: any("99.0.0" in n.title for n in told), timeout=10_000)
    (notice,) = [n for n in told if "available" in n.title]
    assert notice.title == "meettray 99.0.0 is available"
    assert notice.text.endswith(f"{updates.RELEASE_PAGES}tag/v99.0.0")
    assert releases.hits == 1  # the model whose settings say no did not ask
    # Both started their service: let them finish before they are shut down.
    qtbot.waitUntil(lambda: ServiceStatus.READY == on.state.service == off.state.service,
                    timeout=15_000)  # fmt: skip
