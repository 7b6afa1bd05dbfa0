"""Vectra RUX (REST API v3.5) for Cortex XSOAR: one incident per Vectra detection, mirrored both ways.

Layers, top to bottom, each using only those above it:
  1. constants and settings  — parameters parsed and validated once
  2. VectraClient            — the only code that speaks HTTP (auth, retries, Retry-After, time budget)
  3. pure transforms         — event -> incident, severity, names; no I/O
  4. fetch                   — the events stream -> incidents, one per detection, with a small de-duplication state
  5. commands and main       — thin handlers and the command registry
"""

import base64
import email.utils
import json
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import demistomock as demisto
import requests
from CommonServerPython import *
from CommonServerUserPython import *

# --- 1. constants and settings ------------------------------------------------------------------------------

PACK_VERSION = "1.0.0"  # kept equal to pack_metadata.json by a test; never read at import time
USER_AGENT = f"Vectra-RUX-XSOAR-{PACK_VERSION}"
API = "/api/v3.5"
TOKEN_PATH = "/oauth2/token"
MAX_FETCH_LIMIT = 200
EVENTS_PAGE_LIMIT = 1000  # the API's maximum: fewer, fuller pages
TOKEN_REFRESH_MARGIN_S = 60
REQUEST_TIMEOUT_S = 60
RETRYABLE_STATUSES = (429, 500, 502, 503, 504)
MAX_ATTEMPTS = 5
MAX_BACKOFF_S = 30
FETCH_TIME_BUDGET_S = 150  # XSOAR stops a fetch after 5 minutes: finish well inside it
COMMAND_TIME_BUDGET_S = 240
MIRROR_TIME_BUDGET_S = 50  # mirroring runs every minute
CONTEXT_AUTH_KEY = "auth"
CONTEXT_FETCH_KEY = "fetch"
ENTITY_TYPES = {"host": "Host", "account": "Account"}
MIRROR_DIRECTIONS = {"": None, "None": None, "Incoming": "In", "Outgoing": "Out", "Incoming And Outgoing": "Both"}
REOPEN_STATUSES = {"Open": "open", "Escalated": "escalated"}
CLOSE_REASONS = {"Benign": "benign", "Remediated": "remediated"}
CATEGORY_NAMES = {
    "command_and_control": "Command & Control",
    "botnet_activity": "Botnet Activity",
    "botnet": "Botnet Activity",
    "reconnaissance": "Reconnaissance",
    "lateral_movement": "Lateral Movement",
    "exfiltration": "Exfiltration",
    "info": "Info",
}
INACTIVE_INVESTIGATION_STATUSES = ("closed", "expired")


class SettingsError(ValueError):
    """A parameter has a value the integration cannot use; the message names it and what is allowed."""


@dataclass(frozen=True)
class FetchFilters:
    entity_types: tuple[str, ...]
    prioritized: bool
    escalated: bool

    def fingerprint(self) -> str:
        return f"{','.join(self.entity_types)}|p{int(self.prioritized)}|e{int(self.escalated)}"

    @classmethod
    def from_fingerprint(cls, value: str) -> "FetchFilters":
        types, prioritized, escalated = value.split("|")
        return cls(tuple(t for t in types.split(",") if t), prioritized == "p1", escalated == "e1")


@dataclass(frozen=True)
class Settings:
    server_url: str
    client_id: str
    client_secret: str
    verify: bool
    proxy: bool
    fetch_enabled: bool
    max_fetch: int
    first_fetch: datetime
    filters: FetchFilters
    mirror_direction: str | None
    note_tag: str
    reopen_detection: bool
    reopen_status: str
    close_detection: bool
    close_reason: str

    @property
    def ui_url(self) -> str:
        return self.server_url


def _param_bool(params: dict, name: str, display: str, default: bool = False) -> bool:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        return argToBoolean(value)
    except ValueError:
        raise SettingsError(f'"{display}" must be checked or unchecked (true/false); got "{value}".') from None


def _param_choice(params: dict, name: str, display: str, choices: dict[str, Any], default: str) -> Any:
    value = params.get(name) or default
    if value not in choices:
        allowed = ", ".join(f'"{choice}"' for choice in choices if choice)
        raise SettingsError(f'"{display}" must be one of {allowed}; got "{value}".')
    return choices[value]


def parse_server_url(value: Any) -> str:
    url = str(value or "").strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/?#]+(:\d+)?(/[^\s?#]*)?", url):
        raise SettingsError(f'"Server URL" must be the Vectra platform\'s address, like https://<tenant>.portal.vectra.ai; '
                            f'got "{value or ""}".')
    return re.sub(r"/api(/v3(\.\d+)?)?$", "", url)  # tolerate a pasted API path


def parse_max_fetch(value: Any) -> int:
    text = str(value if value not in (None, "") else "50").strip()
    if not re.fullmatch(r"\d+", text) or not 1 <= int(text) <= MAX_FETCH_LIMIT:
        raise SettingsError(f'"Max Fetch" must be a whole number from 1 to {MAX_FETCH_LIMIT}; got "{value}".')
    return int(text)


def parse_first_fetch(value: Any, now: datetime) -> datetime:
    text = str(value if value not in (None, "") else "1 hour").strip()
    try:
        moment = arg_to_datetime(text, arg_name="First Fetch Time")
    except ValueError:
        moment = None
    if moment is None:
        raise SettingsError(f'"First Fetch Time" must be a relative time such as "2 days" or "12 hours", or a date such as '
                            f'"2026-01-31T00:00:00Z"; got "{value}".')
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    if moment > now:
        raise SettingsError(f'"First Fetch Time" must be in the past; got "{value}".')
    return moment


def parse_entity_types(value: Any) -> tuple[str, ...]:
    chosen = argToList(value) if not isinstance(value, list) else value
    by_display = {display.lower(): api for api, display in ENTITY_TYPES.items()}
    unknown = [item for item in chosen if str(item).strip().lower() not in by_display]
    if unknown:
        raise SettingsError(f'"Entity Types" may contain only "Host" and "Account"; got {", ".join(map(str, unknown))}.')
    types = {by_display[str(item).strip().lower()] for item in chosen}
    return tuple(sorted(types or ENTITY_TYPES))


def parse_settings(params: dict, now: datetime | None = None) -> Settings:
    """Every parameter, validated once; an invalid one raises SettingsError naming it."""
    now = now or datetime.now(timezone.utc)
    credentials = params.get("credentials") or {}
    client_id = str(credentials.get("identifier") or "").strip()
    client_secret = str(credentials.get("password") or "")
    if not client_id:
        raise SettingsError('"Client ID" is required: the Client ID of a Vectra API client with the Security Analyst role.')
    if not client_secret:
        raise SettingsError('"Client Secret Key" is required: the secret of the Vectra API client.')
    note_tag = str(params.get("note_tag") or "note").strip()
    if not re.fullmatch(r"[\w.-]{1,64}", note_tag):
        raise SettingsError(f'"Mirror tag for notes" must be one word of letters, digits, "_", "-" or "."; got "{note_tag}".')
    return Settings(
        server_url=parse_server_url(params.get("server_url")),
        client_id=client_id,
        client_secret=client_secret,
        verify=not _param_bool(params, "insecure", "Trust any certificate (not secure)"),
        proxy=_param_bool(params, "proxy", "Use system proxy settings"),
        fetch_enabled=_param_bool(params, "isFetch", "Fetch incidents"),
        max_fetch=parse_max_fetch(params.get("max_fetch")),
        first_fetch=parse_first_fetch(params.get("first_fetch"), now),
        filters=FetchFilters(
            entity_types=parse_entity_types(params.get("entity_types")),
            prioritized=_param_bool(params, "only_prioritized_detections", "Create Incidents for Prioritized Detections"),
            escalated=_param_bool(params, "only_escalated_detections", "Create Incidents for Escalated Detections"),
        ),
        mirror_direction=_param_choice(params, "mirror_direction", "Mirroring Direction", MIRROR_DIRECTIONS, "None"),
        note_tag=note_tag,
        reopen_detection=_param_bool(params, "open_detection_on_incident_reopen", "Open Detection on Incident Reopen", True),
        reopen_status=_param_choice(params, "detection_status_for_reopen", "Detection Status for Incident Reopen",
                                    REOPEN_STATUSES, "Escalated"),
        close_detection=_param_bool(params, "close_detection_on_incident_closure", "Close Detection on Incident Closure", True),
        close_reason=_param_choice(params, "close_reason_of_detection", "Detection Close Reason for Incident Closure",
                                   CLOSE_REASONS, "Remediated"),
    )


# --- 2. the client ------------------------------------------------------------------------------------------


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


def _error_detail(res: Any) -> str:
    """Vectra's own error text from a response body (`detail`, `_meta.message`, `message`, `error`...)."""
    try:
        body = res.json()
    except ValueError:
        return (res.text or "").strip()[:500] or (res.reason or "")
    if isinstance(body, dict):
        meta = body.get("_meta") if isinstance(body.get("_meta"), dict) else {}
        for value in (body.get("detail"), meta.get("message"), body.get("message"), body.get("error_description"),
                      body.get("error"), body.get("errors")):
            if value:
                text = value if isinstance(value, str) else json.dumps(value)
                invalid = body.get("invalid_tags")
                return f"{text} (invalid tags: {', '.join(map(str, invalid))})" if invalid else text
    return json.dumps(body)[:500]


def _retry_after_seconds(res: Any) -> float | None:
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


class VectraClient(BaseClient):
    """Speaks to Vectra. Tokens live in the integration context; every call is authenticated, retried on 429/5xx
    (honouring Retry-After) and re-authenticated once on 401, all within the run's time budget."""

    def __init__(self, settings: Settings, budget: Budget, sleep: Callable[[float], None] = time.sleep):
        super().__init__(base_url=settings.server_url, verify=settings.verify, proxy=settings.proxy,
                         headers={"Accept": "application/json", "User-Agent": USER_AGENT})
        self._client_id = settings.client_id
        self._client_secret = settings.client_secret
        self.budget = budget
        self._sleep = sleep
        self._token: dict | None = None
        self.requests_made = 0

    # --- tokens ---------------------------------------------------------------------------------------------

    def _stored_token(self) -> dict:
        if self._token is None:
            self._token = get_integration_context().get(CONTEXT_AUTH_KEY) or {}
        return self._token

    def _save_token(self, grant: dict) -> None:
        now = time.time()
        previous = self._stored_token()
        refresh_token = grant.get("refresh_token") or previous.get("refresh_token")
        refresh_expires_in = grant.get("refresh_expires_in")
        self._token = {
            "access_token": grant["access_token"],
            "expires_at": now + float(grant.get("expires_in") or 3600),
            "refresh_token": refresh_token,
            "refresh_expires_at": now + float(refresh_expires_in) if refresh_expires_in else previous.get("refresh_expires_at"),
        }
        set_to_integration_context_with_retries({CONTEXT_AUTH_KEY: self._token})

    def authenticate(self) -> None:
        """A fresh client-credentials grant: proves the Client ID and Client Secret Key work."""
        grant = self._token_request({"grant_type": "client_credentials"}, basic=True)
        if grant is None:
            raise VectraAuthError("Authentication with Vectra failed (HTTP 401): verify the Client ID and Client Secret "
                                  "Key, and that the API client has the Security Analyst role.", 401)
        self._save_token(grant)

    def access_token(self, force_new: bool = False) -> str:
        token = self._stored_token()
        now = time.time()
        if not force_new and token.get("access_token") and token.get("expires_at", 0) - TOKEN_REFRESH_MARGIN_S > now:
            return token["access_token"]
        if token.get("refresh_token") and token.get("refresh_expires_at", 0) - TOKEN_REFRESH_MARGIN_S > now:
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
        res = self._send("POST", TOKEN_PATH, data=form, auth=auth, idempotent=False,
                         headers={**(self._headers or {}), "Content-Type": "application/x-www-form-urlencoded"})
        if res.status_code in (400, 401):
            return None
        if res.status_code == 404 or res.status_code == 405:
            raise VectraApiError(f"The Server URL does not lead to a Vectra RUX API: {TOKEN_PATH} answered HTTP "
                                 f"{res.status_code}. Use the platform's base address, like "
                                 "https://<tenant>.portal.vectra.ai.", res.status_code)
        if not 200 <= res.status_code < 300:
            raise VectraApiError(f"Vectra refused the token request (HTTP {res.status_code}): {_error_detail(res)}",
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
            timeout = max(1.0, min(REQUEST_TIMEOUT_S, self.budget.remaining()))
            try:
                self.requests_made += 1
                res = self._http_request(method, url_suffix=path, resp_type="response", ok_codes=tuple(range(100, 600)),
                                         timeout=timeout, **kwargs)
            except (DemistoException, requests.exceptions.RequestException) as error:
                if not self._may_retry_transport(error, idempotent, attempt):
                    raise self._transport_error(error) from None
                self._wait(self._backoff(attempt), f"{method} {path}: {type(error).__name__}")
                continue
            if res.status_code not in RETRYABLE_STATUSES or attempt == MAX_ATTEMPTS:
                return res
            wait = _retry_after_seconds(res) if res.status_code in (429, 503) else None
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
            headers = {**(self._headers or {}), "Authorization": f"Bearer {self.access_token(force_new=fresh_token)}"}
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
            raise VectraApiError(f"Vectra answered {method} {path} with HTTP {status}: {_error_detail(res)}", status)
        if resp_type == "response":
            return res
        if status == 204 or not res.content:
            return {}
        try:
            return res.json()
        except ValueError:
            raise VectraApiError(f"Vectra answered {method} {path} with something that is not JSON (HTTP {status}): "
                                 "verify the Server URL.", status) from None

    # --- endpoints used by fetch, test-module and mirroring ----------------------------------------------------

    def detection_events(self, **params: Any) -> dict:
        """GET /events/detections (`from`, `limit`, `event_timestamp_gte`, `type`, `detection_id`, ...)."""
        query = {key: value for key, value in params.items() if value is not None}
        page = self.request("GET", f"{API}/events/detections", params=query)
        if not isinstance(page, dict) or not isinstance(page.get("events"), list):
            raise VectraApiError("Vectra's events stream answered in an unexpected shape (no `events` list).")
        return page


# --- 3. pure transforms -------------------------------------------------------------------------------------


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _as_text(value: Any) -> str:
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


@dataclass(frozen=True)
class DetectionEvent:
    """The fields fetch decides on, read defensively from one raw event (malformed ones included)."""

    id: int
    detection_id: int
    change_type: str
    entity_type: str
    investigation_status: str
    prioritized: bool
    raw: dict

    @classmethod
    def parse(cls, raw: Any) -> "DetectionEvent | None":
        if not isinstance(raw, dict):
            return None
        event_id, detection_id = _as_int(raw.get("id")), _as_int(raw.get("detection_id"))
        if event_id is None or detection_id is None:
            return None
        status = _as_text(raw.get("investigation_status")) or _as_text(raw.get("status"))
        return cls(
            id=event_id,
            detection_id=detection_id,
            change_type=_as_text(raw.get("change_type")).lower(),
            entity_type=_as_text(raw.get("type")).lower(),
            investigation_status=status.lower(),
            prioritized=raw.get("is_prioritized") is True or raw.get("unresolved_priority") is True,
            raw=raw,
        )


def qualifies(event: DetectionEvent, filters: FetchFilters) -> bool:
    """Whether this event makes its detection deserve an incident: right entity type, not closed, and — when the
    Prioritized or Escalated options are on — prioritized OR escalated (OR, as the guide warns)."""
    if event.entity_type not in filters.entity_types or event.investigation_status in INACTIVE_INVESTIGATION_STATUSES:
        return False
    if not (filters.prioritized or filters.escalated):
        return True
    return (filters.prioritized and event.prioritized) or (filters.escalated and event.investigation_status == "escalated")


def entity_urgency(raw: dict) -> int | None:
    for key in ("src_account", "src_host"):
        urgency = _as_int(_as_dict(raw.get(key)).get("urgency_score"))
        if urgency is not None:
            return urgency
    return None


def severity_from_urgency(urgency: int | None) -> float:
    """Entity urgency score -> XSOAR severity: 0 Info, 1–30 Low, 31–50 Medium, 51–80 High, 81–100 Critical."""
    if urgency is None or urgency <= 0:
        return IncidentSeverity.INFO
    if urgency <= 30:
        return IncidentSeverity.LOW
    if urgency <= 50:
        return IncidentSeverity.MEDIUM
    if urgency <= 80:
        return IncidentSeverity.HIGH
    return IncidentSeverity.CRITICAL


def category_name(category: Any) -> str:
    text = _as_text(category)
    return CATEGORY_NAMES.get(text.lower()) or text.replace("_", " ").title() or "Unknown Category"


def incident_name(raw: dict) -> str:
    detection_type = _as_text(raw.get("detection_type")) or _as_text(raw.get("d_type_vname")) or "Unknown Detection"
    entity = _as_text(raw.get("entity_uid")) or _as_text(raw.get("entity_name")) or f"entity {raw.get('entity_id', '?')}"
    return f"Vectra RUX Events Detection: {category_name(raw.get('category'))} — {detection_type} — {entity}"


def occurred(raw: dict, now: datetime) -> str:
    """The detection's first timestamp, else the event's, else now (ISO 8601 UTC)."""
    for candidate in (_as_dict(raw.get("detail")).get("first_timestamp"), raw.get("event_timestamp")):
        moment = parse_timestamp(candidate)
        if moment is not None:
            return iso_utc(moment)
    return iso_utc(now)


def mirror_fields(detection_id: int, settings: Settings) -> dict:
    return {
        "mirror_direction": settings.mirror_direction,
        "mirror_instance": demisto.integrationInstance(),
        "mirror_tags": [settings.note_tag],
        "mirror_id": str(detection_id),
    }


def event_to_incident(event: DetectionEvent, settings: Settings, now: datetime) -> dict:
    raw = {**event.raw, "detection_id": event.detection_id, **mirror_fields(event.detection_id, settings)}
    return {
        "name": incident_name(raw),
        "occurred": occurred(raw, now),
        "severity": severity_from_urgency(entity_urgency(raw)),
        "details": f"Vectra detection {event.detection_id} ({_as_text(raw.get('detection_type'))}) on "
                   f"{_as_text(raw.get('entity_name')) or _as_text(raw.get('entity_uid'))}",
        "rawJSON": json.dumps(raw),
        "dbotMirrorId": str(event.detection_id),
        "dbotMirrorDirection": settings.mirror_direction,
        "dbotMirrorInstance": demisto.integrationInstance(),
        "dbotMirrorTags": [settings.note_tag],
    }


# --- 4. fetch -----------------------------------------------------------------------------------------------


def encode_ids(ids: Iterable[int]) -> str:
    """A set of ids as base64 of delta-encoded varints: about a byte or two per recent detection id."""
    out = bytearray()
    previous = 0
    for value in sorted(set(ids)):
        delta = value - previous
        previous = value
        while True:
            byte = delta & 0x7F
            delta >>= 7
            out.append(byte | (0x80 if delta else 0))
            if not delta:
                break
    return base64.b64encode(bytes(out)).decode()


def decode_ids(text: str) -> set[int]:
    ids, value, shift, previous = set(), 0, 0, 0
    for byte in base64.b64decode(text or ""):
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            previous += value
            ids.add(previous)
            value, shift = 0, 0
    return ids


@dataclass
class CreatedCache:
    """Detections known to have an incident, the recently touched ones only: two generations, the older dropped
    when the newer fills. A miss is never trusted as "not created": fetch asks Vectra's history instead."""

    generation_size: int = 1500
    current: set[int] = field(default_factory=set)
    previous: set[int] = field(default_factory=set)

    def __contains__(self, detection_id: int) -> bool:
        if detection_id in self.current:
            return True
        if detection_id in self.previous:
            self.add(detection_id)  # touched again: keep it
            return True
        return False

    def add(self, detection_id: int) -> None:
        if len(self.current) >= self.generation_size:
            self.previous, self.current = self.current, set()
        self.current.add(detection_id)
        self.previous.discard(detection_id)

    def dump(self) -> dict:
        return {"cur": encode_ids(self.current), "old": encode_ids(self.previous)}

    @classmethod
    def load(cls, data: dict | None) -> "CreatedCache":
        data = data or {}
        return cls(current=decode_ids(data.get("cur", "")), previous=decode_ids(data.get("old", "")))


@dataclass
class FetchState:
    """Where fetch stands in the events stream and which detections already have incidents.

    `start`: the stream position just before the first fetched event (ids above it are "the stream").
    `cursor`: the id of the last event handled. `epochs`: [first event id, filters fingerprint] for each change of
    the fetch filters, so the history is judged with the filters that applied when each event was read.
    Stored in the integration context (written before incidents are handed over) and copied to the last run.
    """

    start: int | None = None
    cursor: int | None = None
    epochs: list[list] = field(default_factory=list)
    created: CreatedCache = field(default_factory=CreatedCache)
    runs: int = 0

    def to_context(self) -> dict:
        return {"v": 1, "start": self.start, "cursor": self.cursor, "epochs": self.epochs, "created": self.created.dump(),
                "runs": self.runs}

    def to_last_run(self) -> dict:
        return {"start": self.start, "cursor": self.cursor, "runs": self.runs}

    @classmethod
    def load(cls, context: dict | None, last_run: dict | None) -> "FetchState":
        context, last_run = context or {}, last_run or {}
        if context.get("reset"):
            return cls()  # `vectra-fetch-reset`: start again at First Fetch Time, whatever the last run says
        state = cls(start=context.get("start"), cursor=context.get("cursor"), epochs=context.get("epochs") or [],
                    created=CreatedCache.load(context.get("created")), runs=context.get("runs", 0))
        if state.start is None and last_run.get("start") is not None:  # context lost: the last run still knows where
            state.start, state.cursor = last_run["start"], last_run.get("cursor")
        elif last_run.get("cursor") is not None and (state.cursor is None or last_run["cursor"] > state.cursor):
            state.cursor = last_run["cursor"]
        return state

    def filters_at(self, event_id: int) -> FetchFilters | None:
        current = None
        for first_id, fingerprint in self.epochs:
            if event_id >= first_id:
                current = fingerprint
        return FetchFilters.from_fingerprint(current) if current else None

    def use_filters(self, filters: FetchFilters) -> None:
        fingerprint = filters.fingerprint()
        if not self.epochs or self.epochs[-1][1] != fingerprint:
            self.epochs.append([(self.cursor or 0) + 1, fingerprint])


class FetchRun:
    """One fetch-incidents run over the events stream."""

    def __init__(self, client: VectraClient, settings: Settings, state: FetchState, now: datetime):
        self.client = client
        self.settings = settings
        self.state = state
        self.now = now
        self.incidents: list[dict] = []
        self.events_read = 0
        self.lookups = 0

    def run(self) -> list[dict]:
        if self.state.start is None:
            self._locate_start()
        self.state.use_filters(self.settings.filters)
        try:
            self._read_stream()
        except (VectraRateLimitError, VectraApiError) as error:
            if not self.incidents and not self.events_read or isinstance(error, VectraAuthError):
                raise
            demisto.info(f"[Fetch] stopped early after {self.events_read} events: {error}; the next run continues there")
        self.state.runs += 1
        demisto.debug(f"[Fetch] read {self.events_read} events, {self.lookups} history lookups, "
                      f"{len(self.incidents)} incidents, cursor {self.state.cursor}")
        return self.incidents

    def _locate_start(self) -> None:
        """First run: the stream starts just before the first event at or after First Fetch Time."""
        first = self.client.detection_events(event_timestamp_gte=iso_utc(self.settings.first_fetch), limit=1, ordering="id",
                                             include_info_category="true", include_triaged="true")
        events = [e for e in (DetectionEvent.parse(raw) for raw in first["events"]) if e]
        if events:
            self.state.start = events[0].id - 1
        else:  # nothing since First Fetch Time: start at the newest event
            latest = self.client.detection_events(limit=1, ordering="-id", include_info_category="true",
                                                  include_triaged="true")
            ids = [e.id for e in (DetectionEvent.parse(raw) for raw in latest["events"]) if e]
            self.state.start = max(ids) if ids else _as_int(latest.get("next_checkpoint")) or 0
        self.state.cursor = self.state.start

    def _page(self) -> dict:
        return self.client.detection_events(**{"from": self.state.cursor}, limit=EVENTS_PAGE_LIMIT, ordering="id",
                                            size="detailed", include_info_category="true", include_triaged="false",
                                            type=",".join(self.settings.filters.entity_types))

    def _read_stream(self) -> None:
        while self.client.budget.allows(5):
            page = self._page()
            events = page["events"]
            self.events_read += len(events)
            before = self.state.cursor
            for raw in events:
                if not self._handle(raw):
                    return  # max_fetch reached: the next run resumes exactly at this event
            if not events or not _as_int(page.get("remaining_count")):
                return
            if self.state.cursor == before:  # a page of nothing usable: step over it by the server's checkpoint
                checkpoint = _as_int(page.get("next_checkpoint"))
                if checkpoint is None or checkpoint <= (before or 0):
                    return
                self.state.cursor = checkpoint

    def _handle(self, raw: Any) -> bool:
        """Decide one event; False to stop before it (it would exceed max_fetch or the time budget)."""
        event = DetectionEvent.parse(raw)
        if event is None:
            demisto.debug("[Fetch] skipped an event without a usable id or detection_id")
            return True
        if event.id <= (self.state.cursor or 0):
            return True  # already handled (a page boundary repeated it)
        if self._creates_incident(event):
            if len(self.incidents) >= self.settings.max_fetch or not self.client.budget.allows(2):
                return False
            self.incidents.append(event_to_incident(event, self.settings, self.now))
            self.state.created.add(event.detection_id)
        self.state.cursor = event.id
        return True

    def _creates_incident(self, event: DetectionEvent) -> bool:
        if not qualifies(event, self.settings.filters) or event.detection_id in self.state.created:
            return False
        if event.change_type == "new":
            return True  # a detection has exactly one `new` event: nothing can have come before it
        return not self._qualified_before(event)

    def _qualified_before(self, event: DetectionEvent) -> bool:
        """Did an earlier event of this detection, inside the stream, qualify under the filters of its time?"""
        self.lookups += 1
        checkpoint = self.state.start
        while True:
            page = self.client.detection_events(**{"from": checkpoint}, detection_id=event.detection_id, limit=EVENTS_PAGE_LIMIT,
                                                ordering="id", size="detailed", include_info_category="true",
                                                include_triaged="false")
            earlier = [e for e in (DetectionEvent.parse(raw) for raw in page["events"]) if e and e.id < event.id]
            for candidate in earlier:
                filters = self.state.filters_at(candidate.id)
                if filters is not None and qualifies(candidate, filters):
                    self.state.created.add(event.detection_id)
                    return True
            last_id = max((_as_int(raw.get("id")) or 0 for raw in page["events"] if isinstance(raw, dict)), default=event.id)
            if not page["events"] or last_id >= event.id or not _as_int(page.get("remaining_count")):
                return False
            checkpoint = last_id


def fetch_incidents(client: VectraClient, settings: Settings, now: datetime | None = None) -> list[dict]:
    """Run one fetch and hand its incidents to XSOAR. The state goes to the integration context first: if XSOAR stops
    after creating the incidents but before saving the last run, the next run still knows they exist."""
    state = FetchState.load(get_integration_context().get(CONTEXT_FETCH_KEY), demisto.getLastRun())
    incidents = FetchRun(client, settings, state, now or datetime.now(timezone.utc)).run()
    set_to_integration_context_with_retries({CONTEXT_FETCH_KEY: state.to_context()})
    demisto.incidents(incidents)
    demisto.setLastRun(state.to_last_run())
    return incidents


# --- 5. commands and main -----------------------------------------------------------------------------------


def test_module(client: VectraClient, settings: Settings) -> str:
    """`ok` when the credentials work; with Fetch incidents on, also one dry-run read of the events stream."""
    client.authenticate()
    if settings.fetch_enabled:
        client.detection_events(limit=1, ordering="id", size="detailed", include_info_category="true",
                                include_triaged="false", type=",".join(settings.filters.entity_types),
                                event_timestamp_gte=iso_utc(settings.first_fetch))
    else:
        client.request("GET", f"{API}/detections", params={"page_size": 1})
    return "ok"


def fetch_reset_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    """Forget where fetch stands: the next fetch starts again at First Fetch Time."""
    set_to_integration_context_with_retries({CONTEXT_FETCH_KEY: {"reset": True}})
    return CommandResults(readable_output="The fetch checkpoint and de-duplication state were cleared. The next fetch starts "
                                          "at First Fetch Time and may create incidents again for detections fetched before.")


COMMANDS: dict[str, Callable[[VectraClient, Settings, dict], Any]] = {
    "vectra-fetch-reset": fetch_reset_command,
}
BUDGETS = {"fetch-incidents": FETCH_TIME_BUDGET_S, "get-modified-remote-data": MIRROR_TIME_BUDGET_S,
           "get-remote-data": MIRROR_TIME_BUDGET_S, "update-remote-system": MIRROR_TIME_BUDGET_S}


def main() -> None:
    command = demisto.command()
    demisto.debug(f"[Main] command {command}")
    try:
        settings = parse_settings(demisto.params())
        client = VectraClient(settings, Budget(BUDGETS.get(command, COMMAND_TIME_BUDGET_S)))
        if command == "test-module":
            return_results(test_module(client, settings))
        elif command == "fetch-incidents":
            fetch_incidents(client, settings)
        elif command in COMMANDS:
            return_results(COMMANDS[command](client, settings, demisto.args()))
        else:
            raise DemistoException(f"The command {command} is not implemented by the Vectra RUX integration.")
    except SettingsError as error:
        return_error(f"Invalid integration parameters: {error}")
    except Exception as error:
        return_error(f"Failed to execute {command} command.\nError:\n{error}")


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
