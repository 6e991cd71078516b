"""MSAL's exceptions and the identity platform's error dicts, as meettray's typed errors.

Branch on the error and its AADSTS codes, never on the text of a message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from meettray.errors import (
    AuthError,
    ConfigError,
    ConsentRequired,
    MeettrayError,
    NetworkError,
    SignInCancelled,
    SignInRequired,
)
from meettray.i18n import N_, _


class BrokerRedirectMissing(AuthError):
    """msal's ``RedirectUriError``: the app registration lacks the broker's redirect URI
    (Entra ID says AADSTS50011 to the broker).  The browser can still sign in."""


def broker_redirect_advice(broker: str, redirect: str) -> str:
    """What the person (or IT) does about :class:`BrokerRedirectMissing`."""
    return _(
        "The {broker} could not sign in: register this redirect URI in the app "
        "registration, under Authentication → Mobile and desktop applications: {redirect} "
        "(meettray setup lists them all). Signing in with the browser instead."
    ).format(broker=broker, redirect=redirect)


def call_msal(call: Callable[[], Any]) -> Any:
    """Run an MSAL call; turn the exceptions it raises into our errors."""
    import requests

    try:
        return call()
    except requests.exceptions.SSLError as exc:
        raise NetworkError(
            _(
                "The sign-in service's identity could not be verified (TLS). If your "
                "organisation inspects HTTPS traffic, its certificate must be in this computer's "
                "certificate store (ask IT), or point REQUESTS_CA_BUNDLE at it."
            ),
            detail=type(exc).__name__,
        ) from None
    except requests.exceptions.RequestException as exc:
        raise NetworkError(
            _("The Microsoft sign-in service cannot be reached. Check your network connection."),
            detail=type(exc).__name__,
        ) from None
    except ValueError as exc:
        if type(exc).__name__ == "RedirectUriError":  # msal.broker's; importing it needs
            raise BrokerRedirectMissing(  # the broker runtime
                _("The sign-in broker's redirect URI is not registered for meettray."),
                detail=str(exc).split("\n", 1)[0][:300],
            ) from None
        # MSAL raises ValueError when the authority's discovery document is unusable.
        raise AuthError(
            _(
                "The sign-in authority is not valid. Check [account] tenant and authority "
                "in the settings."
            ),
            detail=str(exc).split("\n", 1)[0][:300],
        ) from None
    except RuntimeError as exc:
        # MSAL raises for 5xx answers from the token endpoint.
        raise AuthError(
            _("The Microsoft sign-in service had a problem. Try again in a minute."),
            detail=str(exc)[:300],
        ) from None


_SIGN_IN_AGAIN = frozenset({50173, 70008, 70043, 700082, 700084, 50078, 50076, 50079})
_ADMIN_CONSENT = frozenset({90094, 90099, 90008})
#: The app or the tenant is not as the settings say: unknown client id (700016), no such
#: tenant (90002, 900023), a single-tenant app asked for any organisation (50194).
REGISTRATION_PROBLEMS = frozenset({700016, 90002, 900023, 50194})
#: Conditional Access rules about the device (or the flow): sign-in with a code can never
#: meet them, and tenants may block that flow outright (53003).
_DEVICE_RULES = frozenset({53000, 53001, 50097, 53003})
_USE_THE_BROWSER = N_(
    "Sign in with the browser instead: 'meettray login' without --device-code, or "
    "Sign in… in the tray."
)


def aadsts_codes(result: dict[str, Any]) -> set[int]:
    """An MSAL error's AADSTS codes: ``error_codes``, and the one in its description."""
    codes = {int(c) for c in result.get("error_codes", []) if str(c).isdigit()}
    if (in_text := _aadsts(str(result.get("error_description", "")))) is not None:
        codes.add(in_text)
    return codes


def _aadsts(description: str) -> int | None:
    """The AADSTS code in an ``error_description`` (the browser flow carries it only there)."""
    found = re.search(r"AADSTS(\d+)", description)
    return int(found.group(1)) if found else None


#: Sign-in failures with a cause of their own, by AADSTS code: (error type, message, fix).
_KNOWN: dict[int, tuple[type[MeettrayError], str, str]] = {
    7000218: (
        ConfigError,
        N_("This app registration does not allow sign-in from a desktop app."),
        N_(
            "In the Microsoft Entra admin centre, App registrations → meettray → Authentication: "
            "set 'Allow public client flows' to Yes, and register http://localhost under "
            "'Mobile and desktop applications' (not 'Web'). See README, "
            "'Registering meettray in Microsoft Entra ID'."
        ),
    ),
    53003: (
        AuthError,
        N_("Your organisation's Conditional Access policy blocked this sign-in."),
        N_(
            "The policy may require a compliant or managed device, or a trusted location or "
            "network. Sign in from a device and place that meets it, or ask your IT "
            "administrator which policy applies."
        ),
    ),
    50020: (
        AuthError,
        N_(
            "The account you signed in with is not a member of this organisation (a guest "
            "elsewhere, or an account from another tenant)."
        ),
        N_(
            "Sign in with your own work account of this organisation, or set [account] tenant "
            "to the organisation the account belongs to."
        ),
    ),
    500200: (
        AuthError,
        N_("Personal Microsoft accounts cannot create Teams meetings through Microsoft Graph."),
        N_("Sign in with a work or school account: meettray login"),
    ),
    53000: (
        AuthError,
        N_(
            "Your organisation allows this sign-in only from a device it manages and finds "
            "compliant, and this one is not (yet)."
        ),
        N_(
            "Sign in on a device your organisation manages, or ask your IT support to enrol this "
            "one (Intune, Company Portal). Once it is, sign in with the browser."
        ),
    ),
    53001: (
        AuthError,
        N_("Your organisation allows this sign-in only from a computer joined to its domain."),
        N_("Sign in on a domain-joined computer, or ask your IT support."),
    ),
    53002: (
        AuthError,
        N_(
            "Your organisation allows sign-in only from the apps it approved, and meettray is not "
            "one of them."
        ),
        N_(
            "Ask your IT support to allow meettray's app registration in the Conditional Access "
            "policy."
        ),
    ),
    50097: (
        AuthError,
        N_("Your organisation requires this device to prove itself during sign-in."),
        N_(
            "Sign in with the browser on a registered device (on Linux, Microsoft Edge can do "
            "this; on Windows and macOS, the system's sign-in). Ask your IT support if it still "
            "fails."
        ),
    ),
    50194: (
        ConfigError,
        N_(
            "The app registration accepts sign-ins from one organisation only, and the settings "
            'ask for any organisation ([account] tenant = "organizations" or "common").'
        ),
        N_("Set [account] tenant to your organisation's domain (contoso.com) or its tenant ID."),
    ),
    65004: (
        AuthError,
        N_("You declined the permissions meettray asked for, so it cannot create meetings."),
        N_(
            "Sign in again and accept them. They let meettray create Teams meetings for you and "
            "nothing else."
        ),
    ),
}


def auth_error(result: dict[str, Any], *, device_code: bool = False) -> MeettrayError:
    """Map an MSAL/identity-platform error dict to a typed error with a plain message.

    Decided by the AADSTS codes: from ``error_codes``, or from ``error_description``,
    which is all the browser flow's answer carries.  ``device_code``: the sign-in used
    a code, which never satisfies a device rule: the answer is the browser.
    """
    error = str(result.get("error", ""))
    description = str(result.get("error_description", ""))
    codes = aadsts_codes(result)
    detail = f"{error}: {description.splitlines()[0] if description else ''}".strip(": ")
    request_id = str(result.get("correlation_id", ""))
    if device_code and codes & _DEVICE_RULES:
        fix = _(_USE_THE_BROWSER)
        message = _("Sign-in with a code cannot meet your organisation's rules for devices, "
                    "or your organisation does not allow it.")  # fmt: skip
        return AuthError(f"{message} {fix}", detail=detail, request_id=request_id, fix=fix)
    for code, (kind, english, advice) in _KNOWN.items():
        if code in codes:
            said, fix = _(english), _(advice)
            return kind(f"{said} {fix}", detail=detail, request_id=request_id, fix=fix)
    return _by_error(error, codes, detail, request_id)


def _by_error(error: str, codes: set[int], detail: str, request_id: str) -> MeettrayError:
    if codes & _ADMIN_CONSENT:
        return AuthError(
            _(
                "Your organisation requires an administrator to approve meettray. Ask your IT "
                "administrator to grant admin consent for the app, then sign in again."
            ),
            detail=detail,
            request_id=request_id,
        )
    if 65001 in codes:
        return ConsentRequired(
            _("meettray needs your permission for this. Sign in again to grant it."),
            permissions=(),
            detail=detail,
            request_id=request_id,
        )
    if codes & _SIGN_IN_AGAIN or error in ("invalid_grant", "interaction_required"):
        return SignInRequired(
            _("Your sign-in has expired. Sign in again to create meetings."),
            detail=detail,
            request_id=request_id,
        )
    if 700016 in codes or error == "unauthorized_client":
        return ConfigError(
            _(
                "The app registration was not found in your organisation. Check [account] "
                "client_id and tenant in the settings."
            ),
            detail=detail,
            request_id=request_id,
        )
    if 700027 in codes:
        return ConfigError(
            _(
                "Microsoft Entra ID did not accept the app's certificate. Upload this "
                "certificate (its public part) to the app registration, under Certificates & "
                "secrets, or point [account] client_certificate_file at the one registered."
            ),
            detail=detail,
            request_id=request_id,
        )
    if codes & {7000215, 7000222, 7000216} or error == "invalid_client":
        return ConfigError(
            _(
                "The app's client secret is wrong or has expired. Create a new secret in "
                "Microsoft Entra ID and update MEETTRAY_CLIENT_SECRET."
            ),
            detail=detail,
            request_id=request_id,
        )
    if error in ("access_denied", "authorization_declined"):
        return SignInCancelled(_("Sign-in was declined."), detail=detail, request_id=request_id)
    if error == "expired_token":
        return SignInCancelled(
            _("The sign-in code expired before it was used. Start sign-in again."),
            detail=detail,
            request_id=request_id,
        )
    return AuthError(
        _("Sign-in failed. Try again; if it keeps failing, give the details to your IT support."),
        detail=detail or "unknown error",
        request_id=request_id,
    )
