"""Entry point of the packaged (PyInstaller) meettray."""

import sys

if len(sys.argv) > 1 and sys.argv[1] == "--clipboard-holder":
    # The CLI's detached clipboard holder is this same executable when frozen.
    from meettray.platform.clipboard_holder import main as holder
    raise SystemExit(holder())

from meettray.cli import main

raise SystemExit(main())
