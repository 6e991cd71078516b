"""What one asked-for meeting is: the :class:`Creation`, a plain value.

Every way a meeting is asked for (a click, a hotkey, a preset, ``meettray now``, a
``meettray://`` link, Schedule…) becomes one of these, and
:meth:`MeetingService.make <meettray.service.MeetingService.make>` decides from it alone
what it becomes: the prepared meeting, the meeting handed out before for the same id, or
Graph's createOrGet.  Its first stage, the one without network, is
:func:`meettray.handouts.first_stage`, which the cold ``meettray now`` runs before the
network stack loads.  No network, no Qt, no history here.
"""

from __future__ import annotations

from dataclasses import dataclass

from meettray.meetings import MeetingRequest


@dataclass(frozen=True)
class Creation:
    """One meeting asked for, and how it may be made."""

    #: The meeting asked for: a preset's (subject, length, lobby, presenters and Teams
    #: options, starting now) or Schedule's.
    request: MeetingRequest
    #: The createOrGet id the asker chose (``meettray now``: should the tray die, the
    #: same id finds the same meeting); ``None``: a new one.
    external_id: str | None = None
    #: It may take the meeting made ahead of need (Meet now; never Schedule or a
    #: calendar event).
    spare: bool = False
    #: It asks again, by :attr:`external_id`, for the meeting a tray that did not answer
    #: may have been making: the meeting handed out for that id answers first, and only
    #: that id may make one (never the spare: that would be a second meeting).
    retry: bool = False

    def __post_init__(self) -> None:
        if self.retry and not self.external_id:
            raise ValueError("a retry asks again by the id it was given")
        if self.retry and self.spare:
            raise ValueError("a retry never takes the spare")

    @classmethod
    def meet_now(
        cls, request: MeetingRequest, *, external_id: str | None = None, retry: bool = False
    ) -> Creation:
        """Meet now (any trigger, a preset's or ``meettray now``): the prepared meeting
        first; ``retry``: asking again by ``external_id`` instead."""
        return cls(request, external_id, spare=not retry, retry=retry)

    @classmethod
    def schedule(cls, request: MeetingRequest) -> Creation:
        """A meeting (or calendar event) as Schedule asks for it: always Graph's."""
        return cls(request)

    @property
    def may_take_spare(self) -> bool:
        """Whether the prepared meeting may answer: Meet now's online meeting only."""
        return self.spare and not self.request.calendar
