"""Values Graph accepts for meeting options, and the shape of a preset's name (a tiny
module: the CLI imports it at start)."""

import re

LOBBY_BYPASS_SCOPES = (
    "organizer",
    "organization",
    "organizationAndFederated",
    "everyone",
    "invited",
    "organizationExcludingGuests",
)
ALLOWED_PRESENTERS = ("everyone", "organization", "roleIsPresenter", "organizer")

#: ``allowMeetingChat``: chat on, off, or only while the meeting runs.
MEETING_CHAT_MODES = ("enabled", "disabled", "limited")
#: ``allowedLobbyAdmitters``: who may let people in from the lobby.
LOBBY_ADMITTERS = ("organizerAndCoOrganizersAndPresenters", "organizerAndCoOrganizers")
#: ``shareMeetingChatHistoryDefault``: what chat history people added later see.
CHAT_HISTORY_MODES = ("none", "all")

#: A preset's name, as in ``[presets.incident]`` and ``meettray now --preset incident``.
PRESET_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")

#: A profile's name, as in ``[accounts.fabrikam]`` and ``meettray now --account fabrikam``.
ACCOUNT_NAME = PRESET_NAME
#: The profile that ``[account]`` is: every settings file has it.
MAIN_ACCOUNT = "main"
