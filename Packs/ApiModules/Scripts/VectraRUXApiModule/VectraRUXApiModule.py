"""Shared by the integrations of the Vectra RUX pack (incidents, and the XSIAM event collector): the connection
settings, the integration context helpers and the one client that speaks to Vectra — OAuth2 client credentials and
refresh grants, one bounded re-authentication on 401, retries on 429/5xx honouring Retry-After, the run's time
budget — and the paging of its events streams.

An API module: each integration star-imports it, and `demisto-sdk prepare-content` / `zip-packs` put its code in
place of that import, between `register_module_line` calls, so every uploaded integration is one script.
"""

import email.utils
import json
import os
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import dateparser
import demistomock as demisto
import requests
from CommonServerPython import *

PACK_VERSION = "2.0.0"  # the Vectra RUX pack's version, kept equal to its pack_metadata.json by a test
USER_AGENT = f"Vectra-RUX-XSOAR-{PACK_VERSION}"
API = "/api/v3.5"
TOKEN_PATH = "/oauth2/token"
EVENTS_PAGE_LIMIT = 1000  # the API's maximum: fewer, fuller pages
TOKEN_REFRESH_MARGIN_S = 60
RETRYABLE_STATUSES = (429, 500, 502, 503, 504)
MAX_ATTEMPTS = 5
MAX_BACKOFF_S = 30
DEFAULT_REQUEST_TIMEOUT_S = 60  # the platform's default, unless its administrator set REQUESTS_TIMEOUT
CONTEXT_AUTH_KEY = "auth"
LEGACY_TOKEN_KEYS = ("access_token", "refresh_token")  # the published integration's context: plain strings


# --- connection settings -----------------------------------------------------------------------------------------


class SettingsError(ValueError):
    """A parameter has a value the integration cannot use; the message names it and what is allowed."""


@dataclass(frozen=True)
class ConnectionSettings:
    server_url: str
    client_id: str
    client_secret: str
    verify: bool
    proxy: bool


def param_bool(params: dict, name: str, display: str, default: bool = False) -> bool:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        return argToBoolean(value)
    except ValueError:
        raise SettingsError(f'"{display}" must be checked or unchecked (true/false); got "{value}".') from None


def parse_server_url(value: Any) -> str:
    url = str(value or "").strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/?#]+(:\d+)?(/[^\s?#]*)?", url):
        raise SettingsError(f'"Server URL" must be the Vectra platform\'s address, like https://<tenant>.portal.vectra.ai; '
                            f'got "{value or ""}".')
    return re.sub(r"/api(/v3(\.\d+)?)?$", "", url)  # tolerate a pasted API path


def parse_moment(value: Any, now: datetime) -> datetime | None:
    """A relative time ("2 days", "12 hours ago") counted back from `now`, a date, or epoch seconds, in UTC; None when
    it cannot be read. Relative times count from the caller's clock, not the machine's: a run that is told what "now"
    is (a fetch, a test, a benchmark) reads every time against that one clock."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if text.isdigit():  # epoch seconds, as the platform's arg_to_datetime reads them
        return datetime.fromtimestamp(int(text), timezone.utc)
    base = now.astimezone(timezone.utc).replace(tzinfo=None)
    # English only: the words the settings and arguments document, and no seconds spent loading every language
    return dateparser.parse(text, languages=["en"], settings={"RELATIVE_BASE": base, "TIMEZONE": "UTC",
                                                              "TO_TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True})


def parse_first_fetch(value: Any, now: datetime) -> datetime:
    text = str(value if value not in (None, "") else "1 hour").strip()
    moment = parse_moment(text, now)
    if moment is None:
        raise SettingsError(f'"First Fetch Time" must be a relative time such as "2 days" or "12 hours", or a date such as '
                            f'"2026-01-31T00:00:00Z"; got "{value}".')
    if moment > now:
        raise SettingsError(f'"First Fetch Time" must be in the past; got "{value}".')
    return moment


def parse_connection(params: dict) -> ConnectionSettings:
    """Server URL, credentials, certificate and proxy settings; an invalid one raises SettingsError naming it."""
    credentials = params.get("credentials") or {}
    client_id = str(credentials.get("identifier") or "").strip()
    client_secret = str(credentials.get("password") or "")
    if not client_id:
        raise SettingsError('"Client ID" is required: the Client ID of a Vectra API client with the Security Analyst role.')
    if not client_secret:
        raise SettingsError('"Client Secret Key" is required: the secret of the Vectra API client.')
    return ConnectionSettings(
        server_url=parse_server_url(params.get("server_url")),
        client_id=client_id,
        client_secret=client_secret,
        verify=not param_bool(params, "insecure", "Trust any certificate (not secure)"),
        proxy=param_bool(params, "proxy", "Use system proxy settings"),
    )


# --- command arguments and errors -----------------------------------------------------------------------------


class ArgumentError(ValueError):
    """A command argument is missing or invalid; the message names it and what it accepts."""


class CommandArgs:
    """Reads and validates command arguments before any request is made; each error names the argument and what
    it accepts."""

    def __init__(self, args: dict, now: datetime | None = None):
        self.args = args or {}
        self.now = now or datetime.now(timezone.utc)  # what relative times ("2 days") count back from

    def _raw(self, name: str, required: bool) -> Any:
        value = self.args.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            if required:
                raise ArgumentError(f'The argument "{name}" is required.')
            return None
        return value

    def text(self, name: str, required: bool = False) -> str | None:
        value = self._raw(name, required)
        return None if value is None else str(value)

    def id(self, name: str, required: bool = True) -> int | None:
        value = self._raw(name, required)
        if value is None:
            return None
        text = str(value).strip()
        if not text.isdigit() or int(text) == 0:
            raise ArgumentError(f'The argument "{name}" must be a positive whole number (an ID); got "{value}".')
        return int(text)

    def ids(self, name: str, required: bool = True) -> list[int]:
        """A comma-separated (or JSON) list of numeric IDs, de-duplicated in order."""
        raw = self._raw(name, required)
        items = [str(item).strip() for item in argToList(raw)] if raw is not None else []
        items = [item for item in items if item]
        if not items:
            if required:
                raise ArgumentError(f'The argument "{name}" is required: one or more numeric IDs, comma-separated.')
            return []
        bad = [item for item in items if not item.isdigit() or int(item) == 0]
        if bad:
            raise ArgumentError(f'The argument "{name}" must be numeric IDs separated by commas; not IDs: {", ".join(bad)}.')
        return list(dict.fromkeys(int(item) for item in items))

    def choice(self, name: str, choices: Iterable[str], required: bool = False, default: str | None = None) -> str | None:
        """One of `choices`, case-insensitively; returns the choice as spelled in `choices`."""
        value = self._raw(name, required and default is None)
        if value is None:
            return default
        by_lower = {choice.lower(): choice for choice in choices}
        if str(value).lower() not in by_lower:
            allowed = ", ".join(choices)
            raise ArgumentError(f'The argument "{name}" must be one of: {allowed}; got "{value}".')
        return by_lower[str(value).lower()]

    def mapped(self, name: str, mapping: dict[str, str], required: bool = False) -> str | None:
        choice = self.choice(name, list(mapping), required)
        return None if choice is None else mapping[choice]

    def boolean(self, name: str, default: bool | None = None) -> bool | None:
        value = self._raw(name, False)
        if value is None:
            return default
        try:
            return argToBoolean(value)
        except ValueError:
            raise ArgumentError(f'The argument "{name}" must be true or false; got "{value}".') from None

    def number(self, name: str, default: int, low: int, high: int) -> int:
        value = self._raw(name, False)
        if value is None:
            return default
        text = str(value).strip()
        if not text.isdigit() or not low <= int(text) <= high:
            raise ArgumentError(f'The argument "{name}" must be a whole number from {low} to {high}; got "{value}".')
        return int(text)

    def timestamp(self, name: str) -> str | None:
        """A relative ("2 days") or absolute (2026-01-31T00:00:00Z) time, as ISO 8601 UTC."""
        value = self._raw(name, False)
        if value is None:
            return None
        moment = parse_moment(value, self.now)
        if moment is None:
            raise ArgumentError(f'The argument "{name}" must be a relative time such as "2 days" or a date such as '
                                f'"2026-01-31T00:00:00Z"; got "{value}".')
        return iso_utc(moment)

    def strings(self, name: str, required: bool = False) -> list[str]:
        raw = self._raw(name, required)
        items = [str(item).strip() for item in argToList(raw)] if raw is not None else []
        items = list(dict.fromkeys(item for item in items if item))
        if required and not items:
            raise ArgumentError(f'The argument "{name}" is required.')
        return items


def failure_message(command: str, error: Exception) -> str:
    """What the platform shows when a command fails: what to fix, never a stack trace."""
    if isinstance(error, SettingsError):
        return f"Invalid integration parameters: {error}"
    if isinstance(error, ArgumentError):
        return f"Invalid argument for {command}: {error}"
    return f"Failed to execute {command} command.\nError:\n{error}"


# --- the integration context ----------------------------------------------------------------------------------
#
# Every key an integration of this pack keeps in its integration context is stored as a JSON string — the
# representation the platform's own context helpers write and expect — and is read and written only through
# `read_context` and `update_context`. The published integration's plain-string tokens (LEGACY_TOKEN_KEYS) are
# read as they are, by `legacy_token`.


def decoded_context_value(key: str, value: Any) -> Any:
    if key in LEGACY_TOKEN_KEYS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        demisto.debug(f"[Context] the stored {key!r} is not JSON; starting it afresh")
        return None


def read_context() -> dict:
    """The integration context, this integration's keys decoded."""
    return {key: decoded_context_value(key, value) for key, value in (get_integration_context() or {}).items()}


def update_context(change: Callable[[dict], dict], attempts: int = 5) -> dict:
    """Versioned read-modify-write of the integration context: `change` gets the decoded context and returns the keys
    to replace (None removes one). Retried from a fresh read when another run (fetch, mirroring and commands run side
    by side) wrote in between."""
    for attempt in range(1, attempts + 1):
        stored, version = get_integration_context_with_version()
        updates = change({key: decoded_context_value(key, value) for key, value in stored.items()})
        written = dict(stored)
        for key, value in updates.items():
            if value is None:
                written.pop(key, None)
            else:
                written[key] = json.dumps(value)
        try:
            set_integration_context(written, version=version)
            return updates
        except ValueError:
            demisto.debug(f"[Context] write conflict, attempt {attempt} of {attempts}: another run wrote first; reading again")
            time.sleep(random.uniform(0.01, 0.1))  # noqa: S311 - jitter, not security
    raise VectraApiError("Could not update the integration context: too many concurrent writers.")


def update_context_key(key: str, change: Callable[[Any], Any], attempts: int = 5) -> Any:
    """Read-modify-write one key of the integration context."""
    return update_context(lambda context: {key: change(context.get(key))}, attempts)[key]


def legacy_token(context: dict) -> dict:
    """The tokens the published Vectra RUX integration stored (no expiry known: tried, refreshed when refused)."""
    access, refresh = context.get("access_token"), context.get("refresh_token")
    if not isinstance(access, str) or not access:
        return {}
    return {"access_token": access, "expires_at": None, "refresh_token": refresh if isinstance(refresh, str) else None,
            "refresh_expires_at": None}


def unexpired(token: dict, key: str, now: float) -> bool:
    expires_at = token.get(key, 0)
    return expires_at is None or float(expires_at) > now  # None: expiry unknown, try it


def usable_until(now: float, lifetime: float) -> float:
    """When to stop using a token that lives `lifetime` seconds: a margin before its end (60 s, or a quarter of a
    short life), so a request never starts with a token about to expire."""
    return now + lifetime - min(TOKEN_REFRESH_MARGIN_S, lifetime / 4)


def request_timeout(brand: str) -> float:
    """Seconds per request: what the XSOAR administrator configured for this integration or for all
    (REQUESTS_TIMEOUT.<brand>, REQUESTS_TIMEOUT, as the platform documents), else 60."""
    for name in (f"REQUESTS_TIMEOUT.{brand}", "REQUESTS_TIMEOUT"):
        value = os.environ.get(name, "").strip()
        try:
            if value and float(value) > 0:
                return float(value)
        except ValueError:
            demisto.debug(f"[Client] ignoring {name}={value!r}: not a number of seconds")
    return DEFAULT_REQUEST_TIMEOUT_S


# --- the client -----------------------------------------------------------------------------------------------


class VectraApiError(DemistoException):
    """Vectra answered with an error; `status` is the HTTP status and the message carries Vectra's own text."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class VectraAuthError(VectraApiError):
    pass


class VectraRateLimitError(VectraApiError):
    pass


class Budget:
    """A deadline for one command run: retries and waits never push a run past it."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self.deadline = clock() + seconds

    def remaining(self) -> float:
        return self.deadline - self._clock()

    def allows(self, seconds: float) -> bool:
        return self.remaining() > seconds


def error_detail(res: Any) -> str:
    """Vectra's own error text from a response body (`detail`, `_meta.message`, `message`, `error`...)."""
    try:
        body = res.json()
    except ValueError:
        return (res.text or "").strip()[:500] or (res.reason or "")
    if isinstance(body, dict):
        meta = as_dict(body.get("_meta"))
        for value in (body.get("detail"), meta.get("message"), body.get("message"), body.get("error_description"),
                      body.get("error"), body.get("errors")):
            if value:
                text = value if isinstance(value, str) else json.dumps(value)
                invalid = body.get("invalid_tags")
                return f"{text} (invalid tags: {', '.join(map(str, invalid))})" if invalid else text
    return json.dumps(body)[:500]


def retry_after_seconds(res: Any) -> float | None:
    value = res.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())


class VectraBaseClient(BaseClient):
    """Speaks to Vectra. Tokens live in the integration context; every call is authenticated, retried on 429/5xx
    (honouring Retry-After) and re-authenticated once on 401, all within the run's time budget. Each integration
    adds its endpoints in a subclass."""

    def __init__(self, connection: "ConnectionSettings", budget: Budget, brand: str,
                 sleep: Callable[[float], None] = time.sleep):
        super().__init__(base_url=connection.server_url, verify=connection.verify, proxy=connection.proxy)
        self.base_headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        self.request_timeout = request_timeout(brand)
        self._client_id = connection.client_id
        self._client_secret = connection.client_secret
        self.budget = budget
        self._sleep = sleep
        self._token: dict | None = None
        self.requests_made = 0

    # --- tokens ---------------------------------------------------------------------------------------------

    def _stored_token(self) -> dict:
        if self._token is None:
            context = read_context()
            self._token = as_dict(context.get(CONTEXT_AUTH_KEY)) or legacy_token(context)
        return self._token

    def _save_token(self, grant: dict) -> None:
        now = time.time()
        previous = self._stored_token()
        refresh_token = grant.get("refresh_token") or previous.get("refresh_token")
        refresh_expires_in = grant.get("refresh_expires_in")
        self._token = {
            "access_token": grant["access_token"],
            "expires_at": usable_until(now, float(grant.get("expires_in") or 3600)),
            "refresh_token": refresh_token,
            "refresh_expires_at": usable_until(now, float(refresh_expires_in)) if refresh_expires_in
            else previous.get("refresh_expires_at"),
        }
        token = self._token
        update_context(lambda context: {CONTEXT_AUTH_KEY: token, **dict.fromkeys(LEGACY_TOKEN_KEYS)})

    def authenticate(self) -> None:
        """A fresh client-credentials grant: proves the Client ID and Client Secret Key work."""
        demisto.debug("[Token Request] client_credentials grant")
        grant = self._token_request({"grant_type": "client_credentials"}, basic=True)
        if grant is None:
            raise VectraAuthError("Authentication with Vectra failed (HTTP 401): verify the Client ID and Client Secret "
                                  "Key, and that the API client has the Security Analyst role.", 401)
        self._save_token(grant)

    def access_token(self, force_new: bool = False) -> str:
        token = self._stored_token()
        now = time.time()
        if not force_new and token.get("access_token") and unexpired(token, "expires_at", now):
            return token["access_token"]
        self._token = None  # before asking Vectra, read again: another run (fetch, mirroring...) may have a new one
        stored = self._stored_token()
        if stored.get("access_token") not in (None, token.get("access_token")) and unexpired(stored, "expires_at", now):
            return stored["access_token"]
        token = stored
        reason = "refused by Vectra" if force_new else "expired" if token.get("access_token") else "none stored"
        demisto.debug(f"[Token Request] access token {reason}; asking Vectra for a new one")
        if token.get("refresh_token") and unexpired(token, "refresh_expires_at", now):
            demisto.debug("[Token Request] refresh_token grant")
            grant = self._token_request({"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}, basic=False)
            if grant is not None:
                self._save_token(grant)
                return self._token["access_token"]  # type: ignore[index]
            demisto.debug("[Token Request] refresh token refused; requesting new client credentials")
        self.authenticate()
        return self._token["access_token"]  # type: ignore[index]

    def _token_request(self, form: dict, basic: bool) -> dict | None:
        """A token grant; None when Vectra refuses it (401/400), so the caller can fall back."""
        auth = (self._client_id, self._client_secret) if basic else None
        # Safe to repeat after a broken connection: a grant whose answer was lost only leaves an unused token.
        res = self._send("POST", TOKEN_PATH, data=form, auth=auth, idempotent=True,
                         headers={**self.base_headers, "Content-Type": "application/x-www-form-urlencoded"})
        if res.status_code in (400, 401):
            return None
        if res.status_code == 404 or res.status_code == 405:
            raise VectraApiError(f"The Server URL does not lead to a Vectra RUX API: {TOKEN_PATH} answered HTTP "
                                 f"{res.status_code}. Use the platform's base address, like "
                                 "https://<tenant>.portal.vectra.ai.", res.status_code)
        if not 200 <= res.status_code < 300:
            raise VectraApiError(f"Vectra refused the token request (HTTP {res.status_code}): {error_detail(res)}",
                                 res.status_code)
        try:
            grant = res.json()
        except ValueError:
            raise VectraApiError("Vectra's token endpoint did not answer JSON: verify the Server URL.", res.status_code) from None
        if not isinstance(grant, dict) or not grant.get("access_token"):
            raise VectraApiError("Vectra's token endpoint answered without an access token: verify the Server URL.")
        return grant

    # --- requests -------------------------------------------------------------------------------------------

    def _send(self, method: str, path: str, idempotent: bool, **kwargs: Any) -> Any:
        """One HTTP exchange with retries for 429/5xx and transport failures, inside the budget."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            timeout = max(1.0, min(self.request_timeout, self.budget.remaining()))
            try:
                self.requests_made += 1
                res = self._http_request(method, url_suffix=path, resp_type="response", ok_codes=tuple(range(100, 600)),
                                         timeout=timeout, **kwargs)
            except (DemistoException, requests.exceptions.RequestException) as error:
                if not self._may_retry_transport(error, idempotent, attempt):
                    raise self._transport_error(error) from None
                cause = getattr(error, "exception", None) or error  # BaseClient wraps the transport error
                self._wait(self._backoff(attempt), f"{method} {path}: {type(cause).__name__}")
                continue
            if res.status_code not in RETRYABLE_STATUSES or attempt == MAX_ATTEMPTS:
                return res
            wait = retry_after_seconds(res) if res.status_code in (429, 503) else None
            wait = self._backoff(attempt) if wait is None else wait
            if not self.budget.allows(wait + 1):
                return res
            self._wait(wait, f"{method} {path}: HTTP {res.status_code}")
        raise VectraApiError(f"{method} {path} failed after {MAX_ATTEMPTS} attempts.")

    def _may_retry_transport(self, error: Exception, idempotent: bool, attempt: int) -> bool:
        if attempt == MAX_ATTEMPTS or not self.budget.allows(self._backoff(attempt) + 1):
            return False
        cause = getattr(error, "exception", None) or error
        if isinstance(cause, requests.exceptions.SSLError):
            return False
        # A write whose connection broke after sending may have been applied: only connect failures are safe to repeat.
        return idempotent or isinstance(cause, requests.exceptions.ConnectTimeout)

    @staticmethod
    def _transport_error(error: Exception) -> VectraApiError:
        cause = getattr(error, "exception", None) or error
        if isinstance(cause, requests.exceptions.SSLError):
            return VectraApiError("SSL certificate verification failed for the Vectra server: fix the certificate chain, "
                                  "or select \"Trust any certificate (not secure)\" to test without verification.")
        if isinstance(cause, requests.exceptions.Timeout):
            return VectraApiError("Vectra did not answer in time: verify the Server URL and that the Vectra platform is "
                                  "reachable from XSOAR (firewall, proxy).")
        return VectraApiError(f"Could not connect to Vectra: verify the Server URL and network access from XSOAR. "
                              f"({type(cause).__name__})")

    @staticmethod
    def _backoff(attempt: int) -> float:
        return min(MAX_BACKOFF_S, 2 ** (attempt - 1)) + random.uniform(0, 0.25)  # noqa: S311 - jitter, not security

    def _wait(self, seconds: float, why: str) -> None:
        demisto.debug(f"[Retry] {why}; waiting {seconds:.1f}s")
        self._sleep(seconds)

    def request(self, method: str, path: str, params: dict | None = None, json_data: Any = None,
                resp_type: str = "json", idempotent: bool | None = None) -> Any:
        """An authenticated API call; one re-authentication on 401, then the error is reported."""
        idempotent = method != "POST" if idempotent is None else idempotent
        res = None
        for fresh_token in (False, True):
            headers = {**self.base_headers, "Authorization": f"Bearer {self.access_token(force_new=fresh_token)}"}
            res = self._send(method, path, idempotent, params=params, json_data=json_data, headers=headers)
            if res.status_code != 401:
                break
            demisto.debug(f"[Auth] {method} {path} answered 401; re-authenticating once")
        return self._result(method, path, res, resp_type)

    def _result(self, method: str, path: str, res: Any, resp_type: str) -> Any:
        status = res.status_code
        if status == 401:
            raise VectraAuthError("Vectra refused the credentials (HTTP 401) even after re-authenticating: verify the "
                                  "Client ID, Client Secret Key and the API client's role.", 401)
        if status == 429:
            raise VectraRateLimitError(f"API rate limit: Vectra throttled {method} {path} (HTTP 429) beyond this run's "
                                       "time budget; the next run continues.", 429)
        if not 200 <= status < 300:
            raise VectraApiError(f"Vectra answered {method} {path} with HTTP {status}: {error_detail(res)}", status)
        if resp_type == "response":
            return res
        if status == 204 or not res.content:
            return {}
        try:
            return res.json()
        except ValueError:
            raise VectraApiError(f"Vectra answered {method} {path} with something that is not JSON (HTTP {status}): "
                                 "verify the Server URL.", status) from None

    def events_page(self, stream: str, **params: Any) -> dict:
        """One page of an events stream (`/events/<stream>`): `{"events": [...], "next_checkpoint", "remaining_count"}`;
        None values are left out of the query."""
        query = {key: value for key, value in params.items() if value is not None}
        page = self.request("GET", f"{API}/events/{stream}", params=query)
        if not isinstance(page, dict) or not isinstance(page.get("events"), list):
            raise VectraApiError(f"Vectra's {stream} events answered in an unexpected shape (no `events` list).")
        return page


# --- reading Vectra's answers ------------------------------------------------------------------------------------


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
