"""Building the service from the settings (or the demo's), and the reads that need no
service: the language Graph is asked in, history for ``meettray history``, and the
damage count for doctor.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from meettray import auth, paths
from meettray.config import MAIN_ACCOUNT, Config
from meettray.graph import GraphClient
from meettray.history import HistoryStore
from meettray.meetings import Meeting
from meettray.service.meeting_service import MeetingService

if TYPE_CHECKING:
    from meettray.demo.runtime import DemoEnvironment

log = logging.getLogger(__name__)


def build_service(
    config: Config,
    *,
    demo: DemoEnvironment | None = None,
    on_wait: Callable[[float, str], None] | None = None,
    open_browser: Callable[[str], object] | None = None,
) -> MeetingService:
    """Wire a service from the configuration (or the demo's fake service) for its active
    profile (``config.for_account(name)`` for another account's).

    ``open_browser`` shows the sign-in page (default: the system browser).
    """
    if demo is not None:
        config = demo.config(config)
    account, profile = config.account, config.profile
    data = paths.ensure_private_dir(paths.data_dir(demo=demo is not None))
    # One token cache for every profile; whose person is whose: ``accounts/NAME.json``.
    people = auth.People(data / "accounts")
    label = config.label_of(profile) if len(config.account_names()) > 1 else ""
    http_cache = data / ("http-cache.bin" if profile == MAIN_ACCOUNT
                         else f"http-cache.{profile}.bin")  # fmt: skip
    authenticator: auth.DelegatedAuth | auth.AppOnlyAuth
    if demo is not None:
        cache, status = auth.memory_token_cache()
        authenticator = auth.DelegatedAuth(
            account, cache, open_browser=demo.browser, prefer_edge=False, profile=profile,
            people=people, label=label,
        )  # fmt: skip
    elif account.mode == "application":
        cache, status = auth.memory_token_cache()  # app tokens are cheap to fetch again
        authenticator = auth.AppOnlyAuth(
            account,
            auth.read_client_credential(account),
            cache,
            auth.HttpCache(http_cache),
        )
    else:
        cache, status = auth.build_token_cache(data / "token-cache.bin")
        authenticator = auth.DelegatedAuth(
            account,
            cache,
            open_browser=open_browser,
            http_cache=auth.HttpCache(http_cache),
            profile=profile,
            people=people,
            label=label,
        )
    graph = GraphClient(
        account.graph_url,
        authenticator,
        user_id=account.user_id if account.mode == "application" else "",
        on_wait=on_wait,
        link_hosts=account.link_hosts(demo=demo is not None),
        language=preferred_language(),
        profile=profile,
    )
    # Opened at its first use, after the meeting exists: a full or read-only disk costs
    # the history row, never the link.
    history = HistoryStore(paths.history_file(demo=demo is not None), lazy=True)
    return MeetingService(
        config=config,
        authenticator=authenticator,
        graph=graph,
        history=history,
        cache_status=status,
        demo=demo is not None,
    )


def preferred_language() -> str:
    """The person's language as ``Accept-Language`` wants it (``de-DE``), from the
    environment (``LC_ALL``, ``LC_MESSAGES``, ``LANG``) or the system; "" if unknown."""
    import locale

    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(variable, ""):
            break
    else:
        value = locale.getlocale()[0] or ""
    tag = value.split(".")[0].split("@")[0].replace("_", "-")
    return tag if tag not in ("", "C", "POSIX") and tag.isascii() and len(tag) <= 16 else ""


def read_history(
    *, demo: bool, limit: int, search: str = "", profile: str | None = None
) -> tuple[list[Meeting], Path | None]:
    """The newest meetings (``profile``: one account's only), needing no sign-in
    (``meettray history``).

    Also returns where a damaged history file was moved, if it was.
    """
    store = HistoryStore(paths.history_file(demo=demo))
    try:
        return store.recent(limit, search=search, profile=profile), store.set_aside
    finally:
        store.close()


def history_damage(*, demo: bool) -> dict[str, int]:
    """How many rows of each history table cannot be read (``meettray doctor``): each is
    left out where it is read, and the rest works.  Empty when none, or no history."""
    path = paths.history_file(demo=demo)
    if not path.exists():
        return {}
    store = HistoryStore(path)
    try:
        return store.damage()
    finally:
        store.close()
