"""``python -m meettray`` is the same as the ``meettray`` command."""

from meettray.cli import main

raise SystemExit(main())
