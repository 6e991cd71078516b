"""Values Graph accepts for meeting options (a tiny module: the CLI imports it at start)."""

LOBBY_BYPASS_SCOPES = (
    "organizer",
    "organization",
    "organizationAndFederated",
    "everyone",
    "invited",
    "organizationExcludingGuests",
)
ALLOWED_PRESENTERS = ("everyone", "organization", "roleIsPresenter", "organizer")
