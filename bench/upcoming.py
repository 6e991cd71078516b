"""Upcoming meetings in the tray: what they cost the GUI thread (offscreen Qt).

    .venv/bin/python -m bench.upcoming [--reps N]

Two figures, each against a baseline measured in the same run (ratios, medians):
- the tray menu opening (its rebuild on ``aboutToShow``) with 50 upcoming meetings
  in the state, against the same menu with none;
- a refresh's GUI-thread work (the new list swapped in, the state emitted, the tray
  re-rendered, reminders checked) for 50 meetings, against an empty refresh.
The network and the service are not involved: they run on the owner's thread.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time
from datetime import datetime, timedelta, timezone

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _meetings(count: int, now: datetime) -> tuple[object, ...]:
    from meettray.upcoming import Upcoming

    return tuple(
        Upcoming(subject=f"Meeting {n} with a longish subject & more", start=now + timedelta(
            minutes=5 * n - 10), end=now + timedelta(minutes=5 * n + 20),
            join_url=f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{n}%40thread.v2/0",
            account="adele@contoso.example", organizer="Aiko Tanaka",
            web_link=f"https://outlook.office365.com/owa/?itemid={n}", id=f"AAMk{n}")
        for n in range(count)
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=60)
    reps = parser.parse_args().reps

    from PySide6.QtWidgets import QApplication

    from meettray.accounts import Account
    from meettray.config import CalendarConfig, Config
    from meettray.ui.app_model.model import AppModel
    from meettray.ui.app_model.state import ServiceStatus
    from meettray.ui.app_model.tasks import TaskRunner
    from meettray.ui.views.tray import Tray
    from meettray.upcoming import UpcomingList

    app = QApplication(["bench"])

    def never(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("the benchmark builds no service")

    config = Config(calendar=CalendarConfig(upcoming=True))
    model = AppModel(config, runner=TaskRunner(), clipboard=None,  # type: ignore[arg-type]
                     open_url=lambda _url: True, service_factory=never)  # fmt: skip
    account = Account("adele@contoso.example", "Adele Vance", "t", "o")
    model._update(account=account)  # the state as a signed-in tray has it
    tray = Tray(model)
    # The feed on, as in a signed-in tray with the setting on (its first read fails here:
    # there is no service; what is measured is the GUI thread's part of a refresh).
    model.upcoming.apply(signed_in=True)
    while model.upcoming.refreshing:
        app.processEvents()
        time.sleep(0.005)
    model._update(service=ServiceStatus.READY, service_error=None)  # as a working tray's
    now = datetime.now(timezone.utc)
    full = UpcomingList(_meetings(50, now), now)  # type: ignore[arg-type]
    empty = UpcomingList((), now)

    def open_menu(items: UpcomingList) -> float:
        model._update(upcoming=items)
        began = time.perf_counter()
        tray.menu.aboutToShow.emit()
        took = time.perf_counter() - began
        app.processEvents()  # the old submenus freed (deleteLater), as between two openings
        return took

    def refresh(items: UpcomingList) -> float:
        model._update(upcoming=empty)
        fresh = dataclasses.replace(items, fetched_at=datetime.now(timezone.utc))
        began = time.perf_counter()
        model.upcoming._refreshed(fresh)  # what the owner's answer runs
        took = time.perf_counter() - began
        app.processEvents()
        return took

    rows = []
    for what, measure in (("menu opens", open_menu), ("refresh, GUI thread", refresh)):
        measure(full), measure(empty)  # warm up
        with_50 = [measure(full) for _ in range(reps)]
        without = [measure(empty) for _ in range(reps)]
        rows.append((what, with_50, without))
    print("| what | 50 meetings (min / median) | none (min / median) | ratio | target |")
    print("|---|---|---|---|---|")
    for what, with_50, without in rows:
        ratio = statistics.median(with_50) / statistics.median(without)
        print(f"| {what} | {min(with_50) * 1e3:.2f} / {statistics.median(with_50) * 1e3:.2f} ms"
              f" | {min(without) * 1e3:.2f} / {statistics.median(without) * 1e3:.2f} ms"
              f" | {ratio:.2f}× | < 16 ms |")  # fmt: skip
    model.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
