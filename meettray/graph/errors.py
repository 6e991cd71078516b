"""Graph's answers as meettray's errors: by status, method and ``error.code``, never text.

Every Graph error code meettray acts on, and every code it gives its own
findings about an answer, is named here once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import requests
import urllib3.exceptions

from meettray.accounts import CALENDAR, CALENDAR_CONSENT_MESSAGE
from meettray.errors import GraphError, MeettrayError, NetworkError, SignInRequired
from meettray.i18n import _

#: Graph's ``error.code`` for a mailbox it cannot reach (on-premises, inactive, unlicensed).
MAILBOX_NOT_ENABLED = "MailboxNotEnabledForRESTAPI"
#: meettray's own codes for an answer it could not use.  Each came after the server acted.
UNREADABLE_RESPONSE = "UnreadableResponse"
RESPONSE_TOO_LARGE = "ResponseTooLarge"
NO_JOIN_LINK = "NoJoinLink"
INSECURE_JOIN_LINK = "InsecureJoinLink"
UNEXPECTED_JOIN_HOST = "UnexpectedJoinHost"


def unusable_answer(
    message: str, *, status: int, code: str, request_id: str, detail: str = ""
) -> GraphError:
    """An answer that came back but cannot be used: the server may have acted on it."""
    return GraphError(
        message,
        status=status,
        code=code,
        detail=detail,
        request_id=request_id,
        server_may_have_acted=True,
    )


def graph_error(
    method: str,
    status: int,
    content: bytes,
    *,
    user_id: str,
    scopes: Sequence[str],
    request_id: str,
    waited: float,
    diagnostics: dict[str, str],
    retry_after: float = 0.0,
) -> MeettrayError:
    """Graph's error answer as a typed error.  ``user_id``: the organizer in application
    mode ("" when delegated); ``retry_after``: the wait a 429 asked for, in seconds."""
    code, message = "", ""
    try:
        error = json.loads(content).get("error", {})
        code = str(error.get("code", ""))
        message = str(error.get("message", ""))
        inner = error.get("innerError", {})
        request_id = str(inner.get("request-id", "")) or request_id
        if inner.get("date"):
            diagnostics = {**diagnostics, "date": str(inner["date"])}
    except (ValueError, AttributeError):
        pass
    detail = f"HTTP {status} {code}: {message}".strip(": ")
    facts: dict[str, Any] = {
        "detail": detail,
        "request_id": request_id,
        "diagnostics": diagnostics,
    }
    if status == 401:
        return SignInRequired(
            _("Microsoft Graph did not accept your sign-in. Sign in again."), **facts
        )
    if status == 429 and method == "POST" and retry_after > MONTHLY_LIMIT_WAIT:
        text = _monthly_limit_message(retry_after)
    else:
        text = _error_message(method, status, code, waited=waited, scopes=scopes,
                              user_id=user_id)  # fmt: skip
    return GraphError(text, status=status, code=code, **facts)


def _error_message(
    method: str, status: int, code: str, *, waited: float, scopes: Sequence[str], user_id: str
) -> str:
    if status == 403 and CALENDAR in scopes and not user_id:
        return _(CALENDAR_CONSENT_MESSAGE)
    if status == 403:
        return _forbidden_message(user_id)
    if status == 404 and method == "POST":
        # A create never looks a meeting up: 404 is about the organizer or the mailbox.
        if code == MAILBOX_NOT_ENABLED:
            return _(
                "Microsoft Graph cannot reach the organizer's mailbox (it is on-premises, "
                "inactive, or not licensed for Exchange Online). Ask your IT administrator."
            )
        if user_id:
            return _object_id_advice(user_id)
        return _(
            "Microsoft Graph did not find your Teams account. Check that your account "
            "has a Teams and Exchange Online licence, or ask your IT administrator."
        )
    if status == 404:  # reading, changing or cancelling one meeting
        return _("That meeting no longer exists on the server (it may have been deleted).")
    if status == 429 or status >= 500:
        busy = status in (429, 503)
        if waited:
            text = (
                _("Microsoft Teams is busy right now (meettray waited {seconds} s). Try again "
                  "in a few minutes.") if busy
                else _("Microsoft Teams is having problems right now (meettray waited "
                       "{seconds} s). Try again in a few minutes.")
            )  # fmt: skip
            return text.format(seconds=f"{waited:.0f}")
        return (
            _("Microsoft Teams is busy right now. Try again in a few minutes.") if busy
            else _("Microsoft Teams is having problems right now. Try again in a few minutes.")
        )  # fmt: skip
    if status == 400:
        return _("Microsoft Teams did not accept the meeting details.")
    return _("Microsoft Graph refused the request (HTTP {status}).").format(status=status)


#: A create refused with a wait longer than this is Graph's monthly meeting limit, not a
#: busy moment (2,000 meetings per organizer a month; live behaviours, round 3).
MONTHLY_LIMIT_WAIT = 6 * 3600


def _monthly_limit_message(retry_after: float) -> str:
    days = max(1, round(retry_after / 86400))
    text = (
        _("Microsoft Teams is refusing new meetings for about 1 day (Graph asks meettray to "
          "wait that long).") if days == 1
        else _("Microsoft Teams is refusing new meetings for about {days} days (Graph asks "
               "meettray to wait that long).").format(days=days)
    )  # fmt: skip
    return (
        text
        + " "
        + _(
            "That usually means the organizer reached Graph's limit of 2,000 meetings a month. "
            "Reuse a recent link from History, or ask your IT administrator."
        )
    )


def _forbidden_message(user_id: str) -> str:
    if user_id:
        return _(
            "The app is not allowed to create meetings for {user}. An "
            "administrator must grant it the OnlineMeetings.ReadWrite.All application "
            "permission and a Teams application access policy that covers this user. A "
            "policy just granted or changed takes up to 30 minutes to apply."
        ).format(user=user_id)
    return _(
        "You are not allowed to create Teams meetings. Usually your account has no "
        "Teams license, is a guest in this organisation, or the app lacks the "
        "OnlineMeetings.ReadWrite permission; ask your IT administrator."
    )


def _object_id_advice(user_id: str) -> str:
    return _(
        "Microsoft Graph found no user {user}. In application mode, [account] user_id "
        "must be the organizer's object ID (a GUID), not their sign-in name: find it in "
        "the Microsoft Entra admin centre under Users → the user → Object ID."
    ).format(user=repr(user_id))


def is_connect_failure(exc: Exception) -> bool:
    """Whether the request never left this machine (refused, DNS failure)."""
    # requests wraps urllib3's MaxRetryError, whose reason is NewConnectionError
    # (NameResolutionError is a subclass) when no connection was made.
    cause = exc.args[0] if exc.args else None
    reason = getattr(cause, "reason", cause)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def network_error(exc: Exception, method: str, client_request_id: str) -> NetworkError:
    never_sent = is_connect_failure(exc) or isinstance(exc, requests.exceptions.ConnectTimeout)
    if never_sent:
        message = _("Microsoft Graph cannot be reached. Check your network connection.")
    elif isinstance(exc, requests.exceptions.Timeout):
        message = _("Microsoft Graph did not answer in time.")
    else:
        message = _("The connection to Microsoft Graph was interrupted.")
    if method == "POST" and not never_sent:
        message += " " + _("The meeting may or may not have been created.")
    return NetworkError(
        message,
        detail=f"{type(exc).__name__}; client-request-id: {client_request_id}",
        maybe_sent=not never_sent,
    )
