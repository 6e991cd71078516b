"""A tray from a pip install stays out of the macOS Dock (AppKit faked)."""

from __future__ import annotations

import pytest

from meettray.platform.dock import ACCESSORY, keep_out_of_the_dock


class FakeAppKit:
    def __init__(self) -> None:
        self.policies: list[int] = []

    def set_activation_policy(self, policy: int) -> bool:
        self.policies.append(policy)
        return True


def test_an_unbundled_python_on_macos_becomes_an_accessory_app() -> None:
    appkit = FakeAppKit()
    assert keep_out_of_the_dock(appkit, platform="darwin", frozen=False)
    assert appkit.policies == [ACCESSORY]


@pytest.mark.parametrize(("platform", "frozen"), [("darwin", True), ("win32", False),
                                                   ("linux", False)])  # fmt: skip
def test_elsewhere_nothing_is_done(platform: str, frozen: bool) -> None:
    appkit = FakeAppKit()
    assert not keep_out_of_the_dock(appkit, platform=platform, frozen=frozen)
    assert appkit.policies == []


def test_no_appkit_is_no_harm() -> None:
    class Missing:
        def set_activation_policy(self, policy: int) -> bool:
            raise OSError("dlopen(libobjc.dylib) failed")

    assert not keep_out_of_the_dock(Missing(), platform="darwin", frozen=False)
