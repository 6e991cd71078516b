"""One tray per user: the Windows mutex's logic, with a fake kernel32, on any OS."""

from __future__ import annotations

import pytest

from meettray import lock

SID = "S-1-5-21-1004336348-1177238915-682003330-512"


class FakeKernel:
    """Named mutexes as Windows keeps them: one object per name, alive while any handle
    to it is open; ``create`` on an existing name opens it and says it existed."""

    def __init__(self, sid: str = SID) -> None:
        self.sid = sid
        self.handles: dict[int, str] = {}
        self._next = 4

    def user_sid(self) -> str:
        return self.sid

    def create(self, name: str) -> tuple[int, bool]:
        existed = name in self.handles.values()
        self._next += 4
        self.handles[self._next] = name
        return self._next, existed

    def close(self, handle: int) -> None:
        del self.handles[handle]


def test_a_second_tray_finds_the_first_and_keeps_no_handle() -> None:
    kernel = FakeKernel()
    first = lock.claim_mutex(kernel)
    assert first is not None

    assert lock.claim_mutex(kernel) is None
    assert len(kernel.handles) == 1  # the second let go: the mutex ends with the first


def test_the_mutex_comes_free_when_the_first_tray_quits() -> None:
    kernel = FakeKernel()
    first = lock.claim_mutex(kernel)
    assert first is not None
    first.release()
    first.release()  # twice (quit, then the process's end) is harmless

    assert kernel.handles == {}
    assert lock.claim_mutex(kernel) is not None


def test_the_demo_and_the_real_tray_and_other_users_each_have_their_own() -> None:
    kernel = FakeKernel()
    assert lock.claim_mutex(kernel) is not None
    assert lock.claim_mutex(kernel, demo=True) is not None
    kernel.sid = "S-1-5-21-1004336348-1177238915-682003330-1001"  # another user, same session
    assert lock.claim_mutex(kernel) is not None
    assert sorted(kernel.handles.values()) == sorted(
        [
            rf"Local\meettray-{SID}",
            rf"Local\meettray-{SID}-demo",
            r"Local\meettray-S-1-5-21-1004336348-1177238915-682003330-1001",
        ]
    )


@pytest.mark.parametrize("sid", ["", "S-1-5-21-1\\Global\\x", "alice", "S-1-" + "9-" * 40 + "1"])
def test_a_sid_that_is_not_one_makes_no_name(sid: str) -> None:
    with pytest.raises(OSError, match="unexpected user SID"):
        lock.claim_mutex(FakeKernel(sid))


def test_no_mutex_at_all_is_an_error_not_a_second_tray() -> None:
    class Refusing(FakeKernel):
        def create(self, name: str) -> tuple[int, bool]:
            return 0, False

    with pytest.raises(OSError, match="single-instance mutex"):
        lock.claim_mutex(Refusing())
