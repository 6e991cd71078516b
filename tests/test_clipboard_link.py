"""The clipboard's text as a Teams join link: the rule the tray and ``meettray join
--clipboard`` share (:func:`meettray.upcoming.clipboard_link`)."""

from __future__ import annotations

from meettray.config import CLOUDS, DEMO_LINK_HOST
from meettray.upcoming import MAX_CLIPBOARD_TEXT, clipboard_link

HOSTS = CLOUDS["global"].link_hosts
BASE = "https://teams.microsoft.com/l/meetup-join/"


def test_the_link_alone_with_the_spaces_around_it() -> None:
    assert clipboard_link(f"\r\n {BASE}x \n", HOSTS) == BASE + "x"
    assert clipboard_link(f"Join: {BASE}x", HOSTS) is None  # words around it: not a link


def test_the_length_bound_is_exact_and_counts_the_whole_text() -> None:
    longest = BASE + "x" * (MAX_CLIPBOARD_TEXT - len(BASE))
    assert clipboard_link(longest, HOSTS) == longest
    assert clipboard_link(longest + "x", HOSTS) is None
    # Spaces count too: a megabyte of them around a link is not read as the link.
    assert clipboard_link(BASE + "x" + " " * MAX_CLIPBOARD_TEXT, HOSTS) is None


def test_only_teams_hosts_of_the_cloud() -> None:
    assert clipboard_link("https://outlook.office.com/owa/?itemid=x", HOSTS) is None
    assert clipboard_link("https://gcc.teams.microsoft.com/l/meetup-join/x", HOSTS)
    assert clipboard_link("https://gov.teams.microsoft.us/l/meetup-join/x", HOSTS) is None
    demo = f"https://{DEMO_LINK_HOST}/l/meetup-join/x"
    assert clipboard_link(demo, HOSTS | {DEMO_LINK_HOST}) == demo
