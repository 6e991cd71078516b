"""The few error types the rest of meettray speaks.

Every failure that reaches a person is one of these: ``message`` is a sentence
a non-expert understands; ``detail`` is the technical part (error codes, the
Graph request-id) that support asks for.  Neither ever holds a secret.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The ``meettray`` command's exit statuses (README, "Exit codes")."""

    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    SETTINGS = 3
    SIGN_IN = 4
    GRAPH = 5
    NETWORK = 6
    STORAGE = 7
    NO_DESKTOP = 8
    DOCTOR_FOUND_PROBLEMS = 9
    INTERRUPTED = 130
    #: The output was closed early (``meettray history | head``): stopped quietly.
    BROKEN_PIPE = 141


class MeettrayError(Exception):
    """Base class: a failure with a user-facing message and optional detail."""

    #: The CLI's exit status for this kind of failure (see README, "Exit codes").
    exit_code: ExitCode = ExitCode.UNEXPECTED
    #: Whether the server may have carried the request out although this error came
    #: back (decided where the error is raised, by whoever saw the exchange).
    server_may_have_acted: bool = False

    def __init__(
        self,
        message: str,
        *,
        detail: str = "",
        request_id: str = "",
        diagnostics: dict[str, str] | None = None,
        fix: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.request_id = request_id
        #: What to do about it, when the cause is specific enough to say (``doctor`` shows it).
        self.fix = fix
        #: What Microsoft support asks for besides the request-id: ``client-request-id``,
        #: ``x-ms-ags-diagnostic`` and the error's ``date``, when Graph sent them.
        self.diagnostics = dict(diagnostics or {})

    def technical_details(self) -> str:
        """The detail, request-id and diagnostics as one block, for "Details" or ``-v``."""
        parts = [self.detail] if self.detail else []
        if self.request_id:
            parts.append(f"request-id: {self.request_id}")
        parts.extend(f"{name}: {value}" for name, value in self.diagnostics.items() if value)
        return "\n".join(parts)

    def as_json(self) -> dict[str, object]:
        """For ``--json`` output and support tickets."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "detail": self.detail,
            "request_id": self.request_id,
            **{name.replace("-", "_"): value for name, value in self.diagnostics.items()},
            "exit_code": int(self.exit_code),
        }


class ConfigError(MeettrayError):
    """The configuration file is unreadable or holds an invalid value."""

    exit_code = ExitCode.SETTINGS


class UnknownAccount(ConfigError):
    """A profile name the settings do not have; the message lists the names they do."""

    def __init__(self, name: str, names: tuple[str, ...] | list[str], where: str = "") -> None:
        place = f"in {where}" if where else "in the settings"
        super().__init__(
            f"There is no account {name!r} {place}; the accounts are: {', '.join(names)}."
        )
        self.name = name
        self.names = tuple(names)


class DamagedConfig(ConfigError):
    """The settings file cannot be parsed at all (not TOML, not UTF-8, truncated)."""


class ValidationError(MeettrayError):
    """Input for a meeting (subject, times, attendees) is not acceptable.

    ``problems`` maps a field name to what is wrong with it, so a dialog can show
    each message beside its field.
    """

    exit_code = ExitCode.USAGE

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


class AuthError(MeettrayError):
    """Signing in failed or is needed."""

    exit_code = ExitCode.SIGN_IN


class SignInRequired(AuthError):
    """No usable sign-in: never signed in, signed out, or the sign-in expired."""


class ConsentRequired(SignInRequired):
    """A permission was never granted (AADSTS65001 ``consent_required``): sign in asking for it.

    ``permissions`` names what to ask for, so the front end can offer exactly the
    sign-in that grants it.
    """

    def __init__(
        self,
        message: str,
        *,
        permissions: tuple[str, ...],
        detail: str = "",
        request_id: str = "",
    ) -> None:
        super().__init__(message, detail=detail, request_id=request_id)
        self.permissions = permissions


class SignInCancelled(AuthError):
    """The person cancelled sign-in, or it timed out."""


class GraphError(MeettrayError):
    """Microsoft Graph answered with an error."""

    exit_code = ExitCode.GRAPH

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str = "",
        detail: str = "",
        request_id: str = "",
        diagnostics: dict[str, str] | None = None,
        server_may_have_acted: bool | None = None,
    ) -> None:
        """``server_may_have_acted``: default, a 5xx (it may come after the work)."""
        super().__init__(message, detail=detail, request_id=request_id, diagnostics=diagnostics)
        self.status = status
        self.code = code
        self.server_may_have_acted = (
            status >= 500 if server_may_have_acted is None else server_may_have_acted
        )


class NetworkError(MeettrayError):
    """The service could not be reached (offline, DNS, TLS, timeout)."""

    exit_code = ExitCode.NETWORK

    def __init__(
        self, message: str, *, detail: str = "", request_id: str = "", maybe_sent: bool = False
    ) -> None:
        super().__init__(message, detail=detail, request_id=request_id)
        #: The request may have reached the server (and been carried out).
        self.maybe_sent = maybe_sent
        self.server_may_have_acted = maybe_sent


class StorageError(MeettrayError):
    """Local data (history, token cache) could not be read or written."""

    exit_code = ExitCode.STORAGE
