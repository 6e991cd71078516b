"""``python -m meettray`` is the same as the ``meettray`` command."""

import sys

try:
    from meettray.entry import main  # the first stage; the rest is meettray.cli
except KeyboardInterrupt:  # Ctrl+C while Python loads it: as meettray.cli answers it
    print("meettray: interrupted", file=sys.stderr)
    raise SystemExit(130) from None

raise SystemExit(main())
