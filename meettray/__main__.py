"""``python -m meettray`` is the same as the ``meettray`` command."""

from meettray.entry import main  # the first stage; the rest is meettray.cli

raise SystemExit(main())
