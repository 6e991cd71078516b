"""How the fake Graph checks a meeting's options: types, enumeration members (evolvable
ones among them) and presenter roles, refusing as Graph does with a 400 naming the
property."""

from __future__ import annotations

import copy
from typing import Any

from meettray.demo.fake365.wire import Reply, graph_error

_BOOLEAN_OPTIONS = frozenset(
    {"isEntryExitAnnounced", "recordAutomatically", "allowRecording", "allowTranscription",
     "allowAttendeeToEnableCamera", "allowAttendeeToEnableMic",
     "allowParticipantsToChangeName"}
)  # fmt: skip
#: Options whose value is one of Graph's enumeration members (onlinemeeting-update doc).
_ENUM_OPTIONS = {
    "allowMeetingChat": frozenset({"enabled", "disabled", "limited"}),
    "allowedLobbyAdmitters": frozenset(
        {"organizerAndCoOrganizersAndPresenters", "organizerAndCoOrganizers"}
    ),
    "shareMeetingChatHistoryDefault": frozenset({"none", "all"}),
}
_WATERMARK_FIELDS = frozenset({"isEnabledForContentSharing", "isEnabledForVideo"})

#: Evolvable members of lobbyBypassSettings.scope: refused in a request, and read back
#: as ``unknownFutureValue``, unless ``Prefer: include-unknown-enum-members`` was sent.
EVOLVABLE_LOBBY = frozenset({"invited", "organizationExcludingGuests"})


def check_options(payload: dict[str, Any]) -> None:
    """Each option's type and value, as Graph checks them: a wrong one refuses the whole
    request (400), naming the property."""
    for name in _BOOLEAN_OPTIONS & set(payload):
        if type(payload[name]) is not bool:
            raise Reply(400, graph_error("BadRequest", f"Invalid value for property '{name}'."))
    for name, allowed in _ENUM_OPTIONS.items():
        if name in payload and payload[name] not in allowed:
            raise Reply(400, graph_error(
                "BadRequest", f"Requested value '{payload[name]}' was not found."))  # fmt: skip
    if "watermarkProtection" in payload:
        mark = payload["watermarkProtection"]
        if (not isinstance(mark, dict) or not set(mark) <= _WATERMARK_FIELDS
                or any(type(v) is not bool for v in mark.values())):  # fmt: skip
            raise Reply(400, graph_error(
                "BadRequest", "Invalid value for property 'watermarkProtection'."))  # fmt: skip


def check_enums(payload: dict[str, Any], unknown_enums: bool) -> None:
    """An evolvable lobby value is refused without ``Prefer: include-unknown-enum-members``."""
    scope = (payload.get("lobbyBypassSettings") or {}).get("scope")
    if scope in EVOLVABLE_LOBBY and not unknown_enums:
        raise Reply(400, graph_error("BadRequest", f"Requested value '{scope}' was not found."))


def shown(meeting: dict[str, Any], unknown_enums: bool) -> dict[str, Any]:
    """A meeting as Graph writes it for this request: without the Prefer header, an
    evolvable value is ``unknownFutureValue``."""
    scope = (meeting.get("lobbyBypassSettings") or {}).get("scope")
    if unknown_enums or scope not in EVOLVABLE_LOBBY:
        return meeting
    copied = copy.deepcopy(meeting)
    copied["lobbyBypassSettings"]["scope"] = "unknownFutureValue"
    return copied


def check_presenters(meeting: dict[str, Any]) -> None:
    """Graph: ``roleIsPresenter`` works only with attendees whose role is presenter."""
    if meeting.get("allowedPresenters") != "roleIsPresenter":
        return
    attendees = (meeting.get("participants") or {}).get("attendees") or []
    if not any(isinstance(a, dict) and a.get("role") == "presenter" for a in attendees):
        raise Reply(
            400,
            graph_error(
                "BadRequest",
                "allowedPresenters is roleIsPresenter but no attendee has the presenter role.",
            ),
        )
