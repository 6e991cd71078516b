"""What a ``meettray://`` link asks, as the intent a click would be (no Qt, no widget).

The link is read (again: the tray trusts no other process) by
:func:`meettray.links.parse_link`; a ``now`` link is a Meet now from the link's
origin when the settings allow it and no other link made a meeting in the last
5 s, and Schedule filled in when they do not allow it.  Anything refused is a
:class:`~meettray.links.LinkRefused` whose message names what was refused.
"""

from __future__ import annotations

from meettray.config import Config
from meettray.links import (
    LINK_INTERVAL,
    NEEDS_UPCOMING,
    HistoryLink,
    JoinLink,
    JoinNextLink,
    LinkGate,
    LinkRefused,
    NowLink,
    ScheduleLink,
    parse_link,
)
from meettray.ui.app_model import intents as i


def intent_for(
    follow: i.FollowLink, config: Config, gate: LinkGate, *, demo: bool = False
) -> i.Intent:
    """The intent ``follow``'s link becomes; raises :class:`LinkRefused`."""
    link = parse_link(follow.link, hosts=config.account.link_hosts(demo=demo))
    if isinstance(link, NowLink):
        if link.preset is not None and link.preset not in {p.name for p in config.presets}:
            raise LinkRefused(
                f"The meettray link was refused: there is no preset '{link.preset}' (the "
                f"presets are: {', '.join(p.name for p in config.presets)})."
            )
        if not config.ui.allow_link_meetings:
            return i.OpenSchedule(subject=link.subject, preset=link.preset)
        if not gate.allow():
            raise LinkRefused(
                f"A meeting was made from a meettray link less than {LINK_INTERVAL:.0f} s "
                "ago; this link made none."
            )
        return i.MeetNow(preset=link.preset, subject=link.subject, origin=i.Origin.LINK,
                         source="meettray:// link", external_id=follow.external_id)  # fmt: skip
    if isinstance(link, ScheduleLink):
        return i.OpenSchedule(subject=link.subject, start=link.start,
                              duration_minutes=link.duration_minutes,
                              attendees=link.attendees)  # fmt: skip
    if isinstance(link, JoinLink):
        return i.JoinMeeting(link.url)
    if isinstance(link, JoinNextLink):
        if not config.calendar.upcoming:
            raise LinkRefused(NEEDS_UPCOMING)
        return i.JoinNext()
    assert isinstance(link, HistoryLink)
    return i.OpenHistory(link.search)
