"""Damaged rows, counted for ``meettray doctor``: every row of the tables whose
values meettray reads back, read once (see :class:`~meettray.history.rows.DamagedRow`)."""

from __future__ import annotations

from collections.abc import Callable

from meettray.history.handouts import _HANDOUT_COLUMNS, _handout
from meettray.history.meetings import _COLUMNS, _meeting
from meettray.history.rows import DamagedRow
from meettray.history.spares import _SPARE_COLUMNS, _spare
from meettray.history.store import Store


class DamageCount(Store):
    """Counting the rows that cannot be read."""

    def damage(self) -> dict[str, int]:
        """How many rows of each table cannot be read (doctor's check); reads every row."""
        found = {}
        readers: dict[str, tuple[str, Callable[[tuple[object, ...]], object]]] = {
            "meetings": (_COLUMNS, _meeting),
            "spares": (_SPARE_COLUMNS, _spare),
            "handouts": (_HANDOUT_COLUMNS, _handout),
        }
        with self._cursor("read") as db:
            for table, (columns, read) in readers.items():
                bad = 0
                for row in db.execute(f"SELECT {columns} FROM {table}"):  # noqa: S608
                    try:
                        read(row)
                    except DamagedRow:
                        bad += 1
                if bad:
                    found[table] = bad
        return found
