"""The tray app's fixtures, for platform tests that drive a whole tray (notifications)."""

from tests.ui.conftest import (  # noqa: F401 - fixtures, found by name
    clipboard,
    clock,
    make_model,
    model,
    opened,
    reading,
)
