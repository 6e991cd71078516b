"""What a command of ``meettray`` runs on: the demo's fake Microsoft 365, started only
by a command that needs it, and the service built from the settings (their warnings
said), then closed (saying whether history was found damaged).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from meettray.i18n import _

if TYPE_CHECKING:
    from meettray.config import Config
    from meettray.demo.runtime import DemoEnvironment
    from meettray.service import MeetingService


class LazyDemo:
    """The demo's fake service, started only by a command that needs it."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._environment: DemoEnvironment | None = None

    def get(self) -> DemoEnvironment | None:
        if self.enabled and self._environment is None:
            from meettray.demo.runtime import DemoEnvironment

            self._environment = DemoEnvironment()
        return self._environment

    def stop(self) -> None:
        if self._environment is not None:
            self._environment.stop()


def service_for(
    args: argparse.Namespace,
    lazy_demo: LazyDemo,
    config: Config | None = None,
    *,
    account: str | None = None,
    warn: bool = True,
) -> MeetingService:
    """The service of ``account`` (a settings profile; ``None``: ``args.account`` where the
    command has one, else the default profile); an unknown name is :class:`UnknownAccount`.
    ``config``: the settings as read, never a view (a view's ``for_account(None)`` is the
    default profile, not the view's own): name the view's profile as ``account``."""
    from meettray.config import load_config
    from meettray.service import build_service

    config = config or load_config(args.config)
    view = config.for_account(account if account is not None else getattr(args, "account", None))
    demo = lazy_demo.get()
    if warn:
        for warning in config.warnings:
            print(f"meettray: {warning}", file=sys.stderr)
    config = view

    def waiting(seconds: float, why: str) -> None:
        print(_("meettray: {why}; trying again in {seconds} s…").format(
            why=why, seconds=f"{seconds:.0f}"), file=sys.stderr)  # fmt: skip

    service = build_service(config, demo=demo, on_wait=waiting)
    if service.cache_status.damaged:
        print(f"meettray: {service.cache_status.damaged}", file=sys.stderr)
    service.ensure_signed_in_for_demo()
    return service


def close_service(service: MeetingService) -> None:
    """Close the service; say so if history was found damaged (and set aside) on the way."""
    if service.history_set_aside is not None:
        print(
            _("meettray: the meeting history file was damaged; it was moved to {path} and a "
              "new one was started.").format(path=service.history_set_aside),
            file=sys.stderr,
        )  # fmt: skip
    service.close()


#: A command's body: its parsed arguments, where it prints, the demo; the exit status.
Command = Callable[[argparse.Namespace, TextIO, LazyDemo], int]
