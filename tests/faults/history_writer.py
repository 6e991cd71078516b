"""A history writer for the crash trials: prints ``saved N`` after each committed row."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from meettray.history import HistoryStore
from meettray.meetings import Meeting


def main() -> None:
    path, first = Path(sys.argv[1]), int(sys.argv[2])
    store = HistoryStore(path)
    number = first
    while True:
        store.add(
            Meeting(
                id=f"meeting-{number}",
                join_url=f"https://teams.microsoft.com/l/meetup-join/{number}",
                subject=f"Crash trial {number} " + "x" * (number % 500),
                start=None,
                end=None,
                created_at=datetime.now(timezone.utc),
            )
        )
        print(f"saved {number}", flush=True)  # reported only after the commit returned
        number += 1


if __name__ == "__main__":
    main()
