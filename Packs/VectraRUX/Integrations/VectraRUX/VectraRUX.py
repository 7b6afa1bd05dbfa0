"""Vectra RUX (REST API v3.5) for Cortex XSOAR: one incident per Vectra detection, mirrored both ways.

The connection settings, the integration context helpers and the client that speaks HTTP (auth, retries,
Retry-After, time budget) live in the pack's API module, VectraRUXApiModule, shared with the XSIAM event collector.
Layers, top to bottom, each using only those above it:
  1. constants and settings  — parameters parsed and validated once
  2. VectraClient            — the API module's client with this integration's endpoints
  3. pure transforms         — event -> incident, severity, names; no I/O
  4. fetch                   — the events stream -> incidents, one per detection, with a small de-duplication state
  5. mirroring               — get-modified-remote-data, get-remote-data, update-remote-system, get-mapping-fields
  6. commands                — argument validation, shared building blocks, thin handlers
  7. registry and main       — test-module, the command table, dispatch and error reporting
"""

import base64
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *
from VectraRUXApiModule import *  # the connection, the client and the integration context helpers, shared

# --- 1. constants and settings ------------------------------------------------------------------------------

BRAND = "VectraRUXEventsDetections"  # the integration's id: its commands' brand
ENTITY_API = "/api/v3.4"  # entity list and describe: the version the published integration is proven against
MAX_FETCH_LIMIT = 200
FETCH_TIME_BUDGET_S = 150  # XSOAR stops a fetch after 5 minutes: finish well inside it
COMMAND_TIME_BUDGET_S = 240
MIRROR_TIME_BUDGET_S = 50  # mirroring runs every minute
# The integration context keys this integration keeps besides the token (CONTEXT_AUTH_KEY), each one JSON string.
CONTEXT_FETCH_KEY = "fetch"
CONTEXT_CHANGED_KEY = "changed"  # detections fetch saw change, for incoming mirroring
# Closes and reopens that one side made, remembered until the other side sees them, so that neither echoes back:
# incoming mirroring marks what it applies from Vectra, outgoing mirroring what it applies to Vectra.
CONTEXT_INBOUND_KEY = "inbound"
CONTEXT_OUTBOUND_KEY = "outbound"
# War Room entries an update added to Vectra before it failed: the platform retries a failed update with the same
# entries, and those are not added again. Cleared when an update of the detection succeeds whole.
CONTEXT_PUSHED_KEY = "pushed"
# Detections get-remote-data brought up to date, per cycle end: pulled again from the same start (the platform asks
# again when a cycle did not finish), a detection gets only what came after.
CONTEXT_DELIVERED_KEY = "delivered"
# What the next incoming cycle hands out whatever Vectra changed (PullAgain): the cycle a get-remote-data failed in,
# and detections whose incident XSOAR reopened.
CONTEXT_PULL_KEY = "pull_again"
MAX_PUSHED_DETECTIONS = 200
MAX_CHANGED_IDS = 1000
CREATED_CACHE_BYTES = 10_000  # with the rest of the state, the integration context stays under 16 KB
LEGACY_BYTES = 2_000  # published-integration detections Vectra's history cannot vouch for, kept exactly
ACTIVE_STATUSES = ("acknowledged", "escalated", "open", "paused")  # the published integration's default status filter
UPGRADE_MAX_STRIDE = 1 << 20
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


TAG_PATTERN = re.compile(r"^[\w:._ -]{1,128}$")
MAX_NOTE_LENGTH = 8000
MAX_PAGE_SIZE = 5000
DETECTION_CATEGORIES = {"Command & Control": "command", "Botnet": "botnet", "Reconnaissance": "reconnaissance",
                        "Lateral Movement": "lateral", "Exfiltration": "exfiltration", "Info": "info"}
USER_ROLES = {"Admin": "admins", "Auditor": "auditor", "Global Analyst": "global_analyst", "Read-Only": "read_only",
              "Restricted Admin": "restricted_admins", "Security Analyst": "security_analyst",
              "Setting Admin": "setting_admins", "Super Admin": "super_admins"}
INVESTIGATION_STATUSES = ["open", "acknowledged", "escalated", "paused", "closed", "expired"]
CLOSE_REASON_VALUES = ["benign", "remediated"]
ENTITY_TYPE_VALUES = ["account", "host"]


@dataclass(frozen=True)
class FetchFilters:
    """Which detections deserve an incident. `statuses` is set only for the published integration's filters (the
    events it read before the upgrade): Vectra's server-side filters it sent, all of them applying at once."""

    entity_types: tuple[str, ...]
    prioritized: bool
    escalated: bool
    statuses: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        statuses = f"|s:{','.join(self.statuses)}" if self.statuses else ""
        return f"{','.join(self.entity_types)}|p{int(self.prioritized)}|e{int(self.escalated)}{statuses}"

    @classmethod
    def from_fingerprint(cls, value: str) -> "FetchFilters":
        types, prioritized, escalated, *rest = value.split("|")
        statuses = tuple(s for s in rest[0].removeprefix("s:").split(",") if s) if rest else ()
        return cls(tuple(t for t in types.split(",") if t), prioritized == "p1", escalated == "e1", statuses)


@dataclass(frozen=True)
class Settings:
    connection: ConnectionSettings
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
    close_incident: bool

    @property
    def ui_url(self) -> str:
        return self.connection.server_url


def _param_choice(params: dict, name: str, display: str, choices: dict[str, Any], default: str) -> Any:
    value = params.get(name) or default
    if value not in choices:
        allowed = ", ".join(f'"{choice}"' for choice in choices if choice)
        raise SettingsError(f'"{display}" must be one of {allowed}; got "{value}".')
    return choices[value]


def parse_max_fetch(value: Any) -> int:
    text = str(value if value not in (None, "") else "50").strip()
    if not re.fullmatch(r"\d+", text) or not 1 <= int(text) <= MAX_FETCH_LIMIT:
        raise SettingsError(f'"Max Fetch" must be a whole number from 1 to {MAX_FETCH_LIMIT}; got "{value}".')
    return int(text)


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
    connection = parse_connection(params)
    note_tag = str(params.get("note_tag") or "note").strip()
    if not re.fullmatch(r"[\w.-]{1,64}", note_tag):
        raise SettingsError(f'"Mirror tag for notes" must be one word of letters, digits, "_", "-" or "."; got "{note_tag}".')
    return Settings(
        connection=connection,
        fetch_enabled=param_bool(params, "isFetch", "Fetch incidents"),
        max_fetch=parse_max_fetch(params.get("max_fetch")),
        first_fetch=parse_first_fetch(params.get("first_fetch"), now),
        filters=FetchFilters(
            entity_types=parse_entity_types(params.get("entity_types")),
            prioritized=param_bool(params, "only_prioritized_detections", "Create Incidents for Prioritized Detections"),
            escalated=param_bool(params, "only_escalated_detections", "Create Incidents for Escalated Detections"),
        ),
        mirror_direction=_param_choice(params, "mirror_direction", "Mirroring Direction", MIRROR_DIRECTIONS, "None"),
        note_tag=note_tag,
        reopen_detection=param_bool(params, "open_detection_on_incident_reopen", "Open Detection on Incident Reopen", True),
        reopen_status=_param_choice(params, "detection_status_for_reopen", "Detection Status for Incident Reopen",
                                    REOPEN_STATUSES, "Escalated"),
        close_detection=param_bool(params, "close_detection_on_incident_closure", "Close Detection on Incident Closure", True),
        close_reason=_param_choice(params, "close_reason_of_detection", "Detection Close Reason for Incident Closure",
                                   CLOSE_REASONS, "Remediated"),
        close_incident=param_bool(params, "close_incident_on_detection_closure", "Close Incident on Detection Closure"),
    )


# --- 2. the client --------------------------------------------------------------------------------------------


class VectraClient(VectraBaseClient):
    """The shared client (VectraRUXApiModule) with the endpoints this integration uses, one method each."""

    def __init__(self, settings: Settings, budget: Budget, sleep: Callable[[float], None] = time.sleep):
        super().__init__(settings.connection, budget, BRAND, sleep)

    def detection_events(self, **params: Any) -> dict:
        """GET /events/detections (`from`, `limit`, `event_timestamp_gte`, `type`, `detection_id`, ...)."""
        return self.events_page("detections", **params)

    def list_detections(self, params: dict) -> dict:
        return self.request("GET", f"{API}/detections", params=params)

    def update_detections(self, detection_ids: list[int], **fields: Any) -> dict:
        return self.request("PATCH", f"{API}/detections", json_data={"detectionIdList": detection_ids, **fields})

    def close_detections(self, detection_ids: list[int], reason: str) -> dict:
        return self.request("PATCH", f"{API}/detections/close", json_data={"detectionIdList": detection_ids, "reason": reason})

    def open_detections(self, detection_ids: list[int]) -> dict:
        return self.request("PATCH", f"{API}/detections/open", json_data={"detectionIdList": detection_ids})

    def detection_pcap(self, detection_id: int) -> Any:
        return self.request("GET", f"{API}/detections/{detection_id}/pcap", resp_type="response")

    def list_notes(self, target: "Target") -> Any:
        return self.request("GET", target.notes_path(), params=target.query)

    def add_note(self, target: "Target", note: str) -> dict:
        return self.request("POST", target.notes_path(), params=target.query, json_data={"note": note})

    def update_note(self, target: "Target", note_id: int, note: str) -> dict:
        return self.request("PATCH", target.notes_path(note_id), params=target.query, json_data={"note": note})

    def delete_note(self, target: "Target", note_id: int) -> dict:
        return self.request("DELETE", target.notes_path(note_id), params=target.query)

    def get_tags(self, target: "Target") -> dict:
        return _tagging_answer(self.request("GET", target.tagging_path(), params=target.tagging_query))

    def set_tags(self, target: "Target", tags: list[str]) -> dict:
        answer = self.request("PATCH", target.tagging_path(), params=target.tagging_query, json_data={"tags": tags})
        return _tagging_answer(answer)

    def list_entities(self, params: dict) -> dict:
        return self.request("GET", f"{ENTITY_API}/entities", params=params)

    def get_entity(self, entity_type: str, entity_id: int) -> dict:
        return self.request("GET", f"{ENTITY_API}/entities/{entity_id}", params={"type": entity_type})

    def update_entity(self, entity_type: str, entity_id: int, fields: dict) -> dict:
        return self.request("PATCH", f"{API}/entities/{entity_id}", params={"type": entity_type}, json_data=fields)

    def list_assignments(self, params: dict) -> dict:
        return self.request("GET", f"{API}/assignments", params=params)

    def create_assignment(self, body: dict) -> dict:
        return self.request("POST", f"{API}/assignments", json_data=body)

    def reassign(self, assignment_id: int, user_id: int) -> dict:
        return self.request("PUT", f"{API}/assignments/{assignment_id}", json_data={"assign_to_user_id": user_id})

    def resolve_assignment(self, assignment_id: int, body: dict) -> dict:
        return self.request("PUT", f"{API}/assignments/{assignment_id}/resolve", json_data=body)

    def list_outcomes(self, params: dict) -> dict:
        return self.request("GET", f"{API}/assignment_outcomes", params=params)

    def list_groups(self, params: dict) -> dict:
        return self.request("GET", f"{API}/groups", params=params)

    def get_group(self, group_id: int) -> dict:
        return self.request("GET", f"{API}/groups/{group_id}")

    def set_group_members(self, group_id: int, members: list) -> dict:
        return self.request("PATCH", f"{API}/groups/{group_id}", json_data={"members": members})

    def list_users(self, params: dict) -> dict:
        return self.request("GET", f"{API}/users", params=params)

    def submit_investigation(self, query: str, version: str | None) -> dict:
        return self.request("POST", f"{API}/investigations", json_data=assign_params(query=query, version=version))

    def investigation_results(self, request_id: str, page: int, page_size: int) -> dict:
        return self.request("GET", f"{API}/investigations/{request_id}", params={"page": page, "page_size": page_size})


def _tagging_answer(answer: Any) -> dict:
    """Tagging answers `status: failure` with Vectra's message instead of an HTTP error: surface it."""
    if not isinstance(answer, dict) or str(answer.get("status", "success")).lower() != "success":
        detail = answer.get("message") if isinstance(answer, dict) else None
        invalid = answer.get("invalid_tags") if isinstance(answer, dict) else None
        suffix = f" (invalid tags: {', '.join(map(str, invalid))})" if invalid else ""
        raise VectraApiError(f"Vectra refused the tag change: {detail or 'unknown error'}{suffix}")
    return answer


# --- 3. pure transforms -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What notes and tags hang on: a detection, or an entity (which also needs its type)."""

    kind: str  # "detection" | "entity"
    id: int
    entity_type: str | None = None

    @classmethod
    def from_args(cls, kind: str, args: "Args") -> "Target":
        if kind == "detection":
            return cls("detection", args.id("detection_id"))  # type: ignore[arg-type]
        entity_id = args.id("entity_id")
        return cls("entity", entity_id, args.choice("entity_type", ENTITY_TYPE_VALUES, required=True))  # type: ignore[arg-type]

    @property
    def query(self) -> dict | None:
        return {"type": self.entity_type} if self.entity_type else None

    @property
    def tagging_query(self) -> dict:
        return {"type": self.entity_type or "detection"}

    def notes_path(self, note_id: int | None = None) -> str:
        base = f"{API}/{'detections' if self.kind == 'detection' else 'entities'}/{self.id}/notes"
        return f"{base}/{note_id}" if note_id else base

    def tagging_path(self) -> str:
        return f"{API}/tagging/{self.kind}/{self.id}"

    @property
    def prefix(self) -> str:
        return "Vectra.Detection" if self.kind == "detection" else "Vectra.Entity"

    @property
    def identity(self) -> dict:
        """The fields that tell this object's records apart in context."""
        if self.kind == "detection":
            return {"detection_id": self.id}
        return {"entity_id": self.id, "entity_type": self.entity_type}

    @property
    def label(self) -> str:
        return f"detection {self.id}" if self.kind == "detection" else f"{self.entity_type} {self.id}"


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

    @property
    def closed(self) -> bool:
        """Closed in Vectra: `state` fixed/closed (or, where events carry no state, a close reason)."""
        state = as_text(self.raw.get("state")).lower()
        if state:
            return state in ("fixed", "closed")
        return self.change_type == "state" and as_text(self.raw.get("reason")).lower() in CLOSE_REASON_VALUES

    @classmethod
    def parse(cls, raw: Any) -> "DetectionEvent | None":
        if not isinstance(raw, dict):
            return None
        event_id, detection_id = as_int(raw.get("id")), as_int(raw.get("detection_id"))
        if event_id is None or detection_id is None:
            return None
        status = as_text(raw.get("investigation_status")) or as_text(raw.get("status"))
        return cls(
            id=event_id,
            detection_id=detection_id,
            change_type=as_text(raw.get("change_type")).lower(),
            entity_type=as_text(raw.get("type")).lower(),
            investigation_status=status.lower(),
            prioritized=raw.get("is_prioritized") is True or raw.get("unresolved_priority") is True,
            raw=raw,
        )


def qualifies(event: DetectionEvent, filters: FetchFilters) -> bool:
    """Whether this event makes its detection deserve an incident: right entity type, not closed nor triaged, and — when the
    Prioritized or Escalated options are on — prioritized OR escalated (OR, as the guide warns)."""
    if event.entity_type not in filters.entity_types or event.raw.get("triaged") is True:
        return False
    if filters.statuses:  # the published integration's server-side filters: status list AND unresolved priority
        return event.investigation_status in filters.statuses and (
            not filters.prioritized or event.raw.get("unresolved_priority") is True)
    if event.investigation_status in INACTIVE_INVESTIGATION_STATUSES or event.closed:
        return False
    if not (filters.prioritized or filters.escalated):
        return True
    return (filters.prioritized and event.prioritized) or (filters.escalated and event.investigation_status == "escalated")


def entity_urgency(raw: dict) -> int | None:
    for key in ("src_account", "src_host"):
        urgency = as_int(as_dict(raw.get(key)).get("urgency_score"))
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
    text = as_text(category)
    return CATEGORY_NAMES.get(text.lower()) or text.replace("_", " ").title() or "Unknown Category"


def incident_name(raw: dict) -> str:
    detection_type = as_text(raw.get("detection_type")) or as_text(raw.get("d_type_vname")) or "Unknown Detection"
    entity = as_text(raw.get("entity_uid")) or as_text(raw.get("entity_name")) or f"entity {raw.get('entity_id', '?')}"
    return f"Vectra RUX Events Detection: {category_name(raw.get('category'))} — {detection_type} — {entity}"


def occurred(raw: dict, now: datetime) -> str:
    """The detection's first timestamp, else the event's, else now (ISO 8601 UTC)."""
    for candidate in (as_dict(raw.get("detail")).get("first_timestamp"), raw.get("event_timestamp")):
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
        "details": f"Vectra detection {event.detection_id} ({as_text(raw.get('detection_type'))}) on "
                   f"{as_text(raw.get('entity_name')) or as_text(raw.get('entity_uid'))}",
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


def encode_newest_ids(ids: Iterable[int], max_bytes: int) -> tuple[str, int]:
    """The newest (highest) of `ids` that encode in at most `max_bytes`, and how many were left out."""
    kept = sorted(set(ids))
    text = encode_ids(kept)
    while len(text) > max_bytes:
        kept = kept[len(kept) // 2:] if len(kept) > 1 else []
        text = encode_ids(kept)
    return text, len(set(ids)) - len(kept)


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
    when the newer fills. A miss is never trusted as "not created": fetch asks Vectra's history instead, so the
    cache only saves requests, and is trimmed to CREATED_CACHE_BYTES when stored (sparse IDs encode larger)."""

    generation_size: int = 4000
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
        current, previous = encode_ids(self.current), encode_ids(self.previous)
        if len(current) + len(previous) > CREATED_CACHE_BYTES:
            previous = ""
            current, _ = encode_newest_ids(self.current, CREATED_CACHE_BYTES)
        return {"cur": current, "old": previous}

    @classmethod
    def load(cls, data: dict | None) -> "CreatedCache":
        data = data or {}
        return cls(current=decode_ids(data.get("cur", "")), previous=decode_ids(data.get("old", "")))


def published_filters(last_run: dict) -> FetchFilters:
    """The filters the published integration sent Vectra, from its last run (`selected_types`,
    `selected_statuses`, `unresolved_priority`; lists as comma-separated text or JSON lists)."""
    types = {str(t).strip().lower() for t in argToList(last_run.get("selected_types"))} & set(ENTITY_TYPES)
    statuses = {str(s).strip().lower() for s in argToList(last_run.get("selected_statuses"))} & set(INVESTIGATION_STATUSES)
    prioritized = str(last_run.get("unresolved_priority")).strip().lower() == "true"
    return FetchFilters(tuple(sorted(types or ENTITY_TYPES)), prioritized, False, tuple(sorted(statuses or ACTIVE_STATUSES)))


@dataclass
class Upgrade:
    """Continuing where the published Vectra RUX integration (1.0.x) stopped, from its last run:
    `{"from": <checkpoint>, "was_fetched": [detection ids], "selected_types", "selected_statuses",
    "unresolved_priority", "event_timestamp"}`.

    The published integration created an incident for every detection with an event qualifying under its filters
    between its first read and its checkpoint. Scanning the stream backwards from the checkpoint finds where that
    first read was: just after the newest qualifying event of a detection it did not fetch. From there on, Vectra's
    history tells which detections it fetched (an epoch with its filters); the few it fetched whose qualifying
    events lie before that point are kept exactly (`pending` when the scan ends). The scan resumes in the next run
    when the time budget ends it; until it is done the published last run is kept as it is.
    """

    published: dict
    checkpoint: int
    filters: FetchFilters
    fetched: set[int]
    pending: set[int]
    floor: int
    stride: int = EVENTS_PAGE_LIMIT
    begins: int | None = None
    windows: int = 0

    @classmethod
    def from_last_run(cls, last_run: dict) -> "Upgrade | None":
        checkpoint = as_int(last_run.get("from"))
        if checkpoint is None:
            return None
        published = {key: value for key, value in last_run.items() if key != "upgrade"}
        fetched = {i for i in (as_int(value) for value in argToList(last_run.get("was_fetched"))) if i is not None}
        progress = as_dict(last_run.get("upgrade"))
        floor = as_int(progress.get("floor"))
        return cls(published=published, checkpoint=checkpoint, filters=published_filters(last_run), fetched=fetched,
                   pending=decode_ids(progress["pending"]) if "pending" in progress else set(fetched),
                   floor=checkpoint if floor is None else floor,
                   stride=as_int(progress.get("stride")) or EVENTS_PAGE_LIMIT)

    def to_last_run(self) -> dict:
        return {**self.published, "upgrade": {"floor": self.floor, "stride": self.stride,
                                              "pending": encode_ids(self.pending)}}

    def convert(self, client: VectraClient) -> bool:
        """Scan window by window while the budget allows; True once the published integration's first read is found."""
        if not self.fetched:
            self.begins = self.checkpoint + 1
        while self.begins is None and client.budget.allows(10):
            self._scan_window(client)
        return self.begins is not None

    def _scan_window(self, client: VectraClient) -> None:
        low = max(0, self.floor - self.stride)
        events = self._read(client, low, self.floor)
        qualifying = [event for event in events if qualifies(event, self.filters)]
        newest_miss = max((e.id for e in qualifying if e.detection_id not in self.fetched), default=None)
        self.pending -= {e.detection_id for e in qualifying if newest_miss is None or e.id > newest_miss}
        self.floor, self.windows = low, self.windows + 1
        if newest_miss is not None or low == 0:
            self.begins = (newest_miss if newest_miss is not None else 0) + 1
        elif len(events) < EVENTS_PAGE_LIMIT // 2:  # sparse: cover more of the stream per request
            self.stride = min(self.stride * 2, UPGRADE_MAX_STRIDE)

    def _read(self, client: VectraClient, low: int, high: int) -> list[DetectionEvent]:
        """The events in (low, high] that the published integration's server-side filters let through."""
        events: list[DetectionEvent] = []
        cursor = low
        while True:
            page = client.detection_events(**{"from": cursor}, limit=EVENTS_PAGE_LIMIT, ordering="id", size="detailed",
                                           include_info_category="true", include_triaged="false",
                                           type=",".join(self.filters.entity_types),
                                           investigation_status=",".join(self.filters.statuses))
            parsed = [e for e in (DetectionEvent.parse(raw) for raw in page["events"]) if e and e.id > cursor]
            events += [event for event in parsed if event.id <= high]
            if not parsed or parsed[-1].id >= high or not as_int(page.get("remaining_count")):
                return events
            cursor = parsed[-1].id


@dataclass
class FetchState:
    """Where fetch stands in the events stream and which detections already have incidents.

    `start`: the stream position just before the first event judged (ids above it are "the stream").
    `cursor`: the id of the last event handled. `epochs`: [first event id, filters fingerprint] for each change of
    the fetch filters, so the history is judged with the filters that applied when each event was read (the first
    epoch is the published integration's after an upgrade). `legacy`: detections the published integration fetched
    that the history cannot vouch for. Stored in the integration context (written before incidents are handed over)
    and copied to the last run; while an `upgrade` is converting, the published last run is kept instead.
    """

    start: int | None = None
    cursor: int | None = None
    epochs: list[list] = field(default_factory=list)
    created: CreatedCache = field(default_factory=CreatedCache)
    runs: int = 0
    legacy: set[int] = field(default_factory=set)
    upgrade: Upgrade | None = None

    def to_context(self) -> dict:
        if self.upgrade is not None:
            return {"v": 1, "upgrading": True}
        legacy, dropped = encode_newest_ids(self.legacy, LEGACY_BYTES)
        if dropped:
            demisto.info(f"[Upgrade] {dropped} detections fetched by the published integration outside what Vectra's "
                         "history vouches for were left out of the state; new events of theirs may create incidents")
        return {"v": 1, "start": self.start, "cursor": self.cursor, "epochs": self.epochs, "created": self.created.dump(),
                "runs": self.runs, **({"legacy": legacy} if legacy else {})}

    def to_last_run(self) -> dict:
        if self.upgrade is not None:
            return self.upgrade.to_last_run()
        return {"start": self.start, "cursor": self.cursor, "epochs": self.epochs, "runs": self.runs}

    @classmethod
    def load(cls, context: dict | None, last_run: dict | None) -> "FetchState":
        context, last_run = context or {}, last_run or {}
        if context.get("reset"):
            return cls()  # `vectra-fetch-reset`: start again at First Fetch Time, whatever the last run says
        state = cls(start=context.get("start"), cursor=context.get("cursor"), epochs=context.get("epochs") or [],
                    created=CreatedCache.load(context.get("created")), runs=context.get("runs", 0),
                    legacy=decode_ids(context.get("legacy", "")))
        if state.start is None and last_run.get("start") is not None:  # context lost: the last run still knows where
            state.start, state.cursor = last_run["start"], last_run.get("cursor")
            state.epochs = last_run.get("epochs") or []  # without them (an older last run), the filters of now
        elif state.start is None:
            state.upgrade = Upgrade.from_last_run(last_run)  # the published integration's last run, if it is one
        elif last_run.get("cursor") is not None and (state.cursor is None or last_run["cursor"] > state.cursor):
            state.cursor = last_run["cursor"]
        return state

    def adopt(self, upgrade: Upgrade) -> None:
        """Continue from a converted published last run."""
        begins = upgrade.begins if upgrade.begins is not None else upgrade.checkpoint + 1
        self.start, self.cursor = begins - 1, upgrade.checkpoint
        self.epochs = [[begins, upgrade.filters.fingerprint()]] if begins <= upgrade.checkpoint else []
        self.legacy, self.upgrade = set(upgrade.pending), None
        demisto.info(f"[Upgrade] continuing at event {upgrade.checkpoint}: the published integration fetched "
                     f"{len(upgrade.fetched)} detections from event {begins} on ({upgrade.windows} windows scanned); "
                     f"{len(self.legacy)} of them kept by ID")

    def filters_at(self, event_id: int) -> FetchFilters | None:
        current = None
        for first_id, fingerprint in self.epochs:
            if event_id >= first_id:
                current = fingerprint
        return FetchFilters.from_fingerprint(current) if current else None

    def use_filters(self, filters: FetchFilters) -> None:
        """A change of filters opens an epoch after the last event handled; the first one covers the whole stream
        judged so far, so events before the cursor still vouch for their detections' incidents."""
        fingerprint = filters.fingerprint()
        if not self.epochs:
            self.epochs.append([(self.start or 0) + 1, fingerprint])
        elif self.epochs[-1][1] != fingerprint:
            self.epochs.append([(self.cursor or 0) + 1, fingerprint])

    def has_incident(self, detection_id: int) -> bool:
        return detection_id in self.created or detection_id in self.legacy


@dataclass
class ChangedDetections:
    """Detections whose events fetch read since incoming mirroring last asked (event ids in (`start`, `end`]): fetch
    reads the stream anyway, so get-modified-remote-data needs no request of its own. Past MAX_CHANGED_IDS only
    the range is kept (`overflow`) and mirroring reads that part of the stream itself: bounded, nothing lost."""

    start: int | None = None
    end: int | None = None
    ids: set[int] = field(default_factory=set)
    overflow: bool = False

    def dump(self) -> dict:
        return {"start": self.start, "end": self.end, "ids": encode_ids(self.ids), "overflow": self.overflow}

    @classmethod
    def load(cls, data: dict | None) -> "ChangedDetections":
        data = data or {}
        return cls(start=as_int(data.get("start")), end=as_int(data.get("end")), ids=decode_ids(data.get("ids", "")),
                   overflow=bool(data.get("overflow")))

    def extend(self, ids: set[int], start: int, end: int) -> None:
        """Fetch read the events in (`start`, `end`]; `ids` are the detections that changed there."""
        self.start = start if self.start is None else self.start
        self.end = end if self.end is None else max(self.end, end)
        if not self.overflow:
            self.ids |= ids
            if len(self.ids) > MAX_CHANGED_IDS:
                self.overflow, self.ids = True, set()

    def after_taking(self, taken: set[int], taken_end: int) -> "ChangedDetections":
        """What remains once mirroring took `taken` up to event `taken_end` (fetch may have added more meanwhile)."""
        end = max(self.end if self.end is not None else taken_end, taken_end)
        return ChangedDetections(start=taken_end, end=end, ids=set() if self.overflow else self.ids - taken,
                                 overflow=self.overflow and end > taken_end)


class FetchRun:
    """One fetch-incidents run over the events stream."""

    def __init__(self, client: VectraClient, settings: Settings, state: FetchState, now: datetime):
        self.client = client
        self.settings = settings
        self.state = state
        self.now = now
        self.incidents: list[dict] = []
        self.changed: set[int] = set()  # detections with a change event read in this run (not their creation)
        self.read_from: int | None = state.cursor
        self.events_read = 0
        self.lookups = 0

    def run(self) -> list[dict]:
        if self.state.upgrade is not None:
            if not self.state.upgrade.convert(self.client):
                demisto.info(f"[Upgrade] reading the published integration's history: events after "
                             f"{self.state.upgrade.floor} done; the next run continues")
                return []
            self.state.adopt(self.state.upgrade)
            self.read_from = self.state.cursor
        if self.state.start is None:
            self._locate_start()
            self.read_from = self.state.cursor
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
            self.state.start = max(ids) if ids else as_int(latest.get("next_checkpoint")) or 0
        self.state.cursor = self.state.start

    def _page(self) -> dict:
        # Every entity type and triaged detections too: `qualifies` filters them, and their changes still matter
        # to incoming mirroring (an incident can outlive a change of the fetch filters).
        return self.client.detection_events(**{"from": self.state.cursor}, limit=EVENTS_PAGE_LIMIT, ordering="id",
                                            size="detailed", include_info_category="true", include_triaged="true")

    def _read_stream(self) -> None:
        while self.client.budget.allows(5):
            page = self._page()
            events = page["events"]
            self.events_read += len(events)
            before = self.state.cursor
            for raw in events:
                if not self._handle(raw):
                    return  # max_fetch reached: the next run resumes exactly at this event
            if not events or not as_int(page.get("remaining_count")):
                return
            if self.state.cursor == before:  # a page of nothing usable: step over it by the server's checkpoint
                checkpoint = as_int(page.get("next_checkpoint"))
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
        if not self.client.budget.allows(2):
            return False  # deciding may take a history lookup: the next run starts at this event
        if self._creates_incident(event):
            if len(self.incidents) >= self.settings.max_fetch:
                return False
            self.incidents.append(event_to_incident(event, self.settings, self.now))
            self.state.created.add(event.detection_id)
        elif event.change_type != "new":
            self.changed.add(event.detection_id)
        self.state.cursor = event.id
        return True

    def _creates_incident(self, event: DetectionEvent) -> bool:
        if not qualifies(event, self.settings.filters) or self.state.has_incident(event.detection_id):
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
            last_id = max((as_int(raw.get("id")) or 0 for raw in page["events"] if isinstance(raw, dict)), default=event.id)
            if not page["events"] or last_id >= event.id or not as_int(page.get("remaining_count")):
                return False
            checkpoint = last_id


def fetch_incidents(client: VectraClient, settings: Settings, now: datetime | None = None) -> list[dict]:
    """Run one fetch and hand its incidents to XSOAR. The state goes to the integration context first: if XSOAR stops
    after creating the incidents but before saving the last run, the next run still knows they exist."""
    state = FetchState.load(read_context().get(CONTEXT_FETCH_KEY), demisto.getLastRun())
    run = FetchRun(client, settings, state, now or datetime.now(timezone.utc))
    incidents = run.run()
    update_context(lambda context: saved_fetch(context, run))
    demisto.incidents(incidents)
    demisto.setLastRun(state.to_last_run())
    return incidents


def saved_fetch(context: dict, run: FetchRun) -> dict:
    """The integration context keys a fetch run writes: its state, and the changes it saw for incoming mirroring."""
    updates = {CONTEXT_FETCH_KEY: run.state.to_context()}
    if run.settings.mirror_direction in ("In", "Both") and run.read_from is not None and run.state.cursor is not None:
        changed = ChangedDetections.load(context.get(CONTEXT_CHANGED_KEY))
        changed.extend(run.changed, run.read_from, run.state.cursor)
        updates[CONTEXT_CHANGED_KEY] = changed.dump()
    return updates


# --- 5. mirroring -------------------------------------------------------------------------------------------

INCIDENT_TYPE = "Vectra RUX Events Detection"
MIRROR_PAGE_LIMIT = 1000
MIRROR_MAX_DETECTIONS = 5000
REMOTE_DATA_EVENTS = 50  # the one request per changed incident: its latest events hold the latest activity and state
ACTIVITY_CHANGES = ("new", "append")
STATE_CHANGES = ("adjust", "state", "triage", "investigation_status")
FROM_XSOAR = "[Mirrored From XSOAR]"
FROM_VECTRA = "[Mirrored From Vectra]"
CLOSED_IN_VECTRA = "Closed in Vectra"  # starts the close notes of an incident closed by incoming mirroring
MAX_ECHO_MARKS = 500
OUTGOING_FIELDS = {
    "vectraruxinvestigationstatus": "Investigation status of the detection.",
    "vectraruxexternalreferenceid": "External reference ID of the detection.",
    "vectraruxentityunresolvedprioritystatus": "Set to false to clear the entity's unresolved priority.",
    "vectraruxentityprioritystatus": "Set to Not Prioritized to clear the entity's unresolved priority.",
    "tags": "Tags of the detection (only the analyst's additions and removals are sent).",
    "closeReason": "Closing the incident closes the detection with the configured close reason.",
    "closeNotes": "Closing notes are added to the detection as a note.",
}


def string_list(value: Any) -> list[str]:
    """The strings of a list, or the items of a comma-separated string (XSOAR hands tags over either way)."""
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return [item for item in argToList(value) if item] if isinstance(value, str) else []


# Lists every event carries whole, as the detection has them at that moment: the newest event's list is the
# detection's, so a tag removed in Vectra leaves the incident too (merging would keep it there for ever).
CURRENT_LISTS = ("tags",)


def merge_latest(events: list[DetectionEvent]) -> dict:
    """The latest activity event (new/append) merged with the latest state event (adjust/state/triage/
    investigation_status): the more recent wins for fields both have; other string lists (MITRE techniques...)
    are merged and de-duplicated, tags are the newest event's; `change_type` is the most recent event's.
    `events` are newest first."""
    activity = next((e for e in events if e.change_type in ACTIVITY_CHANGES), None)
    state = next((e for e in events if e.change_type in STATE_CHANGES), None)
    if activity is None or state is None:
        return dict((activity or state or events[0]).raw)
    newer, older = (activity, state) if activity.id > state.id else (state, activity)
    merged = {**older.raw, **newer.raw}
    for key, value in older.raw.items():
        if key in CURRENT_LISTS:
            continue
        if isinstance(value, list) and all(isinstance(item, str) for item in value) and isinstance(newer.raw.get(key), list):
            merged[key] = list(dict.fromkeys(string_list(newer.raw[key]) + string_list(value)))
    return merged


def _notes(raw: dict) -> list[dict]:
    return [note for note in raw.get("notes") or [] if isinstance(note, dict) and note.get("id") is not None]


def _note_version(note: dict) -> tuple[Any, Any]:
    return note.get("id"), note.get("date_modified") or note.get("date_created")


def new_vectra_notes(events: list[DetectionEvent], previous_cursor: int | None, last_update: datetime | None) -> list[dict]:
    """Notes added (or edited) in Vectra since the last cycle, minus those mirrored from XSOAR.

    The baseline is the detection's note list as of the previous cycle (its newest event at or before that cycle's
    cursor): no clocks compared, nothing delivered twice. A detection whose whole history (from its `new` event)
    came after that cursor got its incident from one of those events: its first event is the baseline. Otherwise
    (no cycle yet, or a history longer than the page), notes newer than the incident's last update are taken."""
    current = _notes(events[0].raw)
    baseline_event = next((e for e in events if previous_cursor is not None and e.id <= previous_cursor), None)
    if baseline_event is None and previous_cursor is not None and events[-1].change_type == "new":
        baseline_event = events[-1]
    if baseline_event is not None:
        seen = {_note_version(note) for note in _notes(baseline_event.raw)}
        fresh = [note for note in current if _note_version(note) not in seen]
    else:
        fresh = [note for note in current
                 if last_update is None or (parse_timestamp(note.get("date_modified") or note.get("date_created"))
                                            or last_update) > last_update]
    return [note for note in fresh if not str(note.get("note", "")).lstrip().startswith(FROM_XSOAR)]


def note_entry(note: dict) -> dict:
    edited = " (edited)" if note.get("date_modified") else ""
    author = note.get("modified_by") or note.get("created_by") or "unknown"
    when = note.get("date_modified") or note.get("date_created") or ""
    text = f"{FROM_VECTRA}{edited}\nNote: {note.get('note', '')}\nAdded By: {author}\nAdded At: {when}"
    return {"Type": EntryType.NOTE, "Contents": text, "ContentsFormat": EntryFormat.TEXT, "Note": True}


def lifecycle_entries(detection_id: int, events: list[DetectionEvent], previous_cursor: int | None) -> list[dict]:
    """Close or reopen the incident when the detection was closed or reopened in Vectra during this cycle (not when
    the change was XSOAR's own, made by outgoing mirroring)."""
    state_change = next((e for e in events if e.change_type == "state" and e.id > (previous_cursor or 0)), None)
    if state_change is None:
        return []
    action = "close" if state_change.closed else "reopen"
    if take_mark(CONTEXT_OUTBOUND_KEY, detection_id) == action:
        return []
    if state_change.closed:
        reason = as_text(state_change.raw.get("reason")).lower() or "unspecified"
        notes = f"{CLOSED_IN_VECTRA}: detection {detection_id} was closed in Vectra as {reason}."
        mark(CONTEXT_INBOUND_KEY, detection_id, "close")
        return [{"Type": EntryType.NOTE, "ContentsFormat": EntryFormat.JSON, "Contents": {
                    "dbotIncidentClose": True, "closeReason": "Resolved" if reason == "remediated" else "Other",
                    "closeNotes": notes}},
                {"Type": EntryType.NOTE, "ContentsFormat": EntryFormat.TEXT, "Note": True,
                 "Contents": f"{FROM_VECTRA} {notes}"}]
    mark(CONTEXT_INBOUND_KEY, detection_id, "reopen")
    return [{"Type": EntryType.NOTE, "ContentsFormat": EntryFormat.JSON, "Contents": {"dbotIncidentReopen": True}},
            {"Type": EntryType.NOTE, "ContentsFormat": EntryFormat.TEXT, "Note": True,
             "Contents": f"{FROM_VECTRA} Detection {detection_id} was reopened in Vectra."}]


def with_newest(marks: Any, detection_id: int, value: Any, limit: int) -> dict:
    """Per-detection marks with this detection's set (moved to the newest end); only the `limit` newest are kept."""
    kept = {key: stored for key, stored in as_dict(marks).items() if key != str(detection_id)}
    kept[str(detection_id)] = value
    return dict(list(kept.items())[-limit:])


def mark(key: str, detection_id: int, action: str) -> None:
    """Remember that one side just closed or reopened this detection (the newest marks are kept)."""
    update_context_key(key, lambda marks: with_newest(marks, detection_id, action, MAX_ECHO_MARKS))


def take_mark(key: str, detection_id: int | str) -> str | None:
    """The close/reopen the other side made to this detection, consumed once (None when there is none)."""
    if str(detection_id) not in (read_context().get(key) or {}):
        return None
    taken: dict[str, str | None] = {}

    def remove(marks: Any) -> dict:
        marks = dict(marks or {})
        taken["action"] = marks.pop(str(detection_id), None)
        return marks

    update_context_key(key, remove)
    return taken.get("action")


@dataclass
class MirrorCycle:
    """One incoming cycle, kept as the last mirror run: the events it covers (`previous`, `cursor`], the platform's
    `lastUpdate` it answered, the detections it handed out (None past MAX_CHANGED_IDS: the range tells), and those
    among them handed out because XSOAR reopened their incident (`reopened`)."""

    previous: int | None
    cursor: int | None
    last_update: str | None = None
    ids: set[int] | None = None
    reopened: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, data: Any) -> "MirrorCycle":
        data = as_dict(data)
        ids = data.get("ids")
        return cls(as_int(data.get("previous")), as_int(data.get("cursor")), data.get("last_update"),
                   decode_ids(ids) if isinstance(ids, str) else None, decode_ids(data.get("reopened") or ""))

    def dump(self) -> dict:
        dumped: dict[str, Any] = {"cursor": self.cursor, "previous": self.previous, "last_update": self.last_update}
        if self.ids is not None and len(self.ids) <= MAX_CHANGED_IDS:
            dumped["ids"] = encode_ids(self.ids)
        if self.reopened:
            dumped["reopened"] = encode_ids(self.reopened)
        return dumped

    def asked_again(self, last_update: str) -> bool:
        """The platform asks from the same point again: the cycle this one answered did not finish (a get-remote-data
        failed or the job stopped), and what it handed out may not have reached the incidents."""
        return self.last_update is not None and self.last_update == last_update and self.cursor is not None


def get_modified_remote_data(client: VectraClient, settings: Settings, args: dict) -> GetModifiedRemoteDataResponse:
    """IDs of the detections with events since the previous cycle. With fetch on, fetch has read those events
    already and noted the detections (no request here); without it, the stream is read from a cursor of our own
    (the last mirror run). Either way no event falls between cycles, and an incident's updates start right after
    the event it was created from. Asked again from the same `lastUpdate` (the previous cycle did not finish), or
    after a cycle in which a pull failed, the answer covers that cycle's events too: nothing it handed out is lost,
    and what was delivered is not again. Detections whose incident XSOAR reopened come too (PullAgain)."""
    if settings.mirror_direction not in ("In", "Both"):
        return GetModifiedRemoteDataResponse([])
    asked = GetModifiedRemoteDataArgs(args).last_update
    last_update = str(asked) if asked else ""
    earlier = MirrorCycle.load(get_last_mirror_run())
    again = PullAgain.load(read_context().get(CONTEXT_PULL_KEY))
    unfinished = earlier if earlier.asked_again(last_update) or again.failed(earlier) else None
    if settings.fetch_enabled:
        ids, start, end = take_changed_detections(client)
        if unfinished is not None:
            ids, start, end = again_with(client, unfinished, ids, end)
        if start is None or end is None:
            return GetModifiedRemoteDataResponse([])  # fetch has not run yet: no incident can have changed
    else:
        start = unfinished.previous if unfinished is not None else earlier.cursor
        if start is None:
            start = locate_cursor(client, last_update)
        ids, end = read_changed_detections(client, start, None)
    ids = list(dict.fromkeys([*ids, *map(str, sorted(again.ids))]))  # in the order they changed, then the reopened
    reopened = again.ids | (unfinished.reopened if unfinished is not None else set())
    set_last_mirror_run(MirrorCycle(start, end, last_update, {int(i) for i in ids}, reopened).dump())
    if again.failed_cycle is not None or again.ids:
        update_context_key(CONTEXT_PULL_KEY, lambda stored: PullAgain.load(stored).without(again).dump())
    demisto.debug(f"[Mirror] {len(ids)} detections changed between events {start} and {end}"
                  + (" (the previous cycle again: it did not finish)" if unfinished is not None else "")
                  + (f" ({len(again.ids)} reopened in XSOAR)" if again.ids else ""))
    return GetModifiedRemoteDataResponse(ids)


@dataclass
class PullAgain:
    """What the next incoming cycle hands out whatever Vectra changed.

    `failed_cycle`: the end of a cycle in which a get-remote-data failed. The platform then asks again from the same
    lastUpdate, or moves on to a new one (nothing records which); either way the next cycle covers that cycle again,
    so no detection it handed out misses its update, and the delivered marks keep what did arrive from coming twice.
    `ids`: detections whose incident was reopened in XSOAR. A platform that does not mirror into closed incidents
    left the incident as it was when closed; the next cycle brings it up to date."""

    failed_cycle: int | None = None
    ids: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, data: Any) -> "PullAgain":
        data = as_dict(data)
        return cls(as_int(data.get("failed_cycle")), decode_ids(data.get("ids") or ""))

    def dump(self) -> dict:
        return {"failed_cycle": self.failed_cycle, "ids": encode_ids(sorted(self.ids)[-MAX_CHANGED_IDS:])}

    @staticmethod
    def note_reopened(detection_id: int) -> None:
        update_context_key(CONTEXT_PULL_KEY, lambda stored: PullAgain.load(stored).with_id(detection_id).dump())

    def with_id(self, detection_id: int) -> "PullAgain":
        return PullAgain(self.failed_cycle, self.ids | {detection_id})

    def with_failed(self, cycle_end: int | None) -> "PullAgain":
        return PullAgain(cycle_end, self.ids)

    def failed(self, cycle: "MirrorCycle") -> bool:
        return self.failed_cycle is not None and self.failed_cycle == cycle.cursor

    def without(self, taken: "PullAgain") -> "PullAgain":
        """What is left once a cycle took `taken` (a failure or a reopen may have been noted since)."""
        failed = None if self.failed_cycle == taken.failed_cycle else self.failed_cycle
        return PullAgain(failed, self.ids - taken.ids)


def again_with(client: VectraClient, unfinished: MirrorCycle, ids: list[str], end: int | None
               ) -> tuple[list[str], int | None, int | None]:
    """The unfinished cycle's detections (read again from the stream when it handed out too many to keep) that it did
    not bring up to date before it stopped, with the new ones, over both cycles' events. One it did bring up to date
    comes again only if it changed since (then it is among the new ones)."""
    handed = unfinished.ids
    if handed is None:
        handed = {int(i) for i in read_changed_detections(client, unfinished.previous or 0, unfinished.cursor)[0]}
    if unfinished.cursor is not None:
        handed = handed - DeliveredMarks.load(read_context().get(CONTEXT_DELIVERED_KEY)).up_to(unfinished.cursor)
    merged = sorted(handed | {int(i) for i in ids})
    return [str(i) for i in merged], unfinished.previous, max(end or 0, unfinished.cursor or 0)


def take_changed_detections(client: VectraClient) -> tuple[list[str], int | None, int | None]:
    """The detections fetch noted as changed, and the event range they cover; the part of the stream fetch could
    not note (too many changes) is read here."""
    noted = ChangedDetections.load(read_context().get(CONTEXT_CHANGED_KEY))
    if noted.start is None or noted.end is None:
        return [], None, None
    if noted.overflow:
        ids, end = read_changed_detections(client, noted.start, noted.end)
        taken = {int(i) for i in ids}
    else:
        taken, end = noted.ids, noted.end
        ids = [str(i) for i in sorted(taken)]
    update_context_key(CONTEXT_CHANGED_KEY,
                       lambda stored: ChangedDetections.load(stored).after_taking(taken, end).dump())
    return ids, noted.start, end


def read_changed_detections(client: VectraClient, cursor: int, limit: int | None) -> tuple[list[str], int]:
    """Detection IDs with events after `cursor` (up to `limit`), and the last event read; `new` events are
    creations, not changes."""
    ids: list[str] = []
    seen: set[int] = set()
    while client.budget.allows(5) and len(seen) < MIRROR_MAX_DETECTIONS and (limit is None or cursor < limit):
        page = client.detection_events(**{"from": cursor}, limit=MIRROR_PAGE_LIMIT, ordering="id",
                                       include_info_category="true", include_triaged="true")
        before = cursor
        for event in (DetectionEvent.parse(raw) for raw in page["events"]):
            if event is None or event.id <= cursor:
                continue
            if limit is not None and event.id > limit:
                return ids, limit
            cursor = event.id
            if event.change_type != "new" and event.detection_id not in seen:
                seen.add(event.detection_id)
                ids.append(str(event.detection_id))
        if not page["events"] or not as_int(page.get("remaining_count")):
            return ids, cursor if limit is None else max(cursor, limit)  # the whole range is read
        if cursor == before:  # a page of nothing usable: step over it
            checkpoint = as_int(page.get("next_checkpoint"))
            if checkpoint is None or checkpoint <= before:
                break
            cursor = checkpoint if limit is None else min(checkpoint, limit)
    return ids, cursor


def locate_cursor(client: VectraClient, last_update: Any) -> int:
    """The stream position at the platform's last update (first cycle only)."""
    since = arg_to_datetime(last_update) if last_update else None
    since = (since if since and since.tzinfo else (since or datetime.now(timezone.utc)).replace(tzinfo=timezone.utc))
    first = client.detection_events(event_timestamp_gte=iso_utc(since), limit=1, ordering="id",
                                    include_info_category="true", include_triaged="true")
    ids = [e.id for e in (DetectionEvent.parse(raw) for raw in first["events"]) if e]
    if ids:
        return ids[0] - 1
    latest = client.detection_events(limit=1, ordering="-id", include_info_category="true", include_triaged="true")
    ids = [e.id for e in (DetectionEvent.parse(raw) for raw in latest["events"]) if e]
    return max(ids) if ids else 0


def get_remote_data(client: VectraClient, settings: Settings, args: dict) -> GetRemoteDataResponse:
    """One request: the detection's latest events; they give the merged incident fields, new notes, and the
    close/reopen of the incident when Vectra closed or reopened the detection. A failure notes its cycle, which the
    next cycle covers again (PullAgain)."""
    cycle = MirrorCycle.load(get_last_mirror_run())
    try:
        return remote_data(client, settings, args, cycle)
    except Exception:
        if cycle.cursor is not None:
            update_context_key(CONTEXT_PULL_KEY, lambda stored: PullAgain.load(stored).with_failed(cycle.cursor).dump())
        raise


def remote_data(client: VectraClient, settings: Settings, args: dict, cycle: "MirrorCycle") -> GetRemoteDataResponse:
    parsed = GetRemoteDataArgs(args)
    detection_id = as_int(parsed.remote_incident_id)
    if detection_id is None:
        raise DemistoException(f"The incident's mirror ID {parsed.remote_incident_id!r} is not a Vectra detection ID.")
    page = client.detection_events(detection_id=detection_id, ordering="-id", limit=REMOTE_DATA_EVENTS, size="detailed",
                                   include_info_category="true", include_triaged="true")
    events = sorted((e for e in (DetectionEvent.parse(raw) for raw in page["events"]) if e), key=lambda e: -e.id)
    if not events:
        return GetRemoteDataResponse({}, [])
    # An incident XSOAR reopened may have missed what Vectra did while it was closed (a platform that does not mirror
    # into closed incidents): its notes count from its own last update, and XSOAR's reopen stands (no close or reopen).
    reopened = detection_id in cycle.reopened
    baseline = None if reopened else DeliveredMarks.load(read_context().get(CONTEXT_DELIVERED_KEY)).baseline(
        detection_id, cycle.previous)
    last_update = arg_to_datetime(parsed.last_update) if parsed.last_update else None
    if last_update is not None and last_update.tzinfo is None:
        last_update = last_update.replace(tzinfo=timezone.utc)
    # Notes, closes and reopens up to this cycle's end only: an event after it is the next cycle's change, and the
    # next cycle starts from this end, so each is delivered once even when it lands while this cycle runs.
    window = [event for event in events if cycle.cursor is None or event.id <= cycle.cursor]
    entries = [note_entry(note) for note in new_vectra_notes(window, baseline, last_update)] if window else []
    if settings.close_incident and not reopened:
        entries += lifecycle_entries(detection_id, window, baseline)
    if cycle.cursor is not None:
        DeliveredMarks.record(detection_id, cycle.cursor, cycle.previous)
    mirrored = {**merge_latest(events), "detection_id": detection_id, **mirror_fields(detection_id, settings)}
    return GetRemoteDataResponse(mirrored, entries)


@dataclass
class DeliveredMarks:
    """Which detections get-remote-data brought up to which cycle end (`{cursor: ids}`). Only ends after the current
    cycle's start matter — a cycle the platform may ask again — so older ones are dropped on every write."""

    levels: dict[int, set[int]]

    @classmethod
    def load(cls, data: Any) -> "DeliveredMarks":
        levels = {as_int(cursor): decode_ids(ids) for cursor, ids in as_dict(data).items() if isinstance(ids, str)}
        return cls({cursor: ids for cursor, ids in levels.items() if cursor is not None})

    def baseline(self, detection_id: int, previous: int | None) -> int | None:
        """Where this detection's news start: the end it was last brought up to, else the cycle's start."""
        delivered = [cursor for cursor, ids in self.levels.items() if detection_id in ids]
        return max([*delivered, previous]) if previous is not None else (max(delivered) if delivered else None)

    def up_to(self, cursor: int) -> set[int]:
        """The detections brought up to `cursor` or later."""
        return set().union(*(ids for end, ids in self.levels.items() if end >= cursor))

    def with_delivered(self, detection_id: int, cursor: int, previous: int | None) -> "DeliveredMarks":
        kept = {c: set(ids) for c, ids in self.levels.items() if previous is None or c > previous}
        kept.setdefault(cursor, set()).add(detection_id)
        return DeliveredMarks(kept)

    def dump(self) -> dict:
        return {str(cursor): encode_ids(ids) for cursor, ids in sorted(self.levels.items())}

    @staticmethod
    def record(detection_id: int, cursor: int, previous: int | None) -> None:
        """Note in the integration context that this detection was brought up to `cursor`."""
        update_context_key(CONTEXT_DELIVERED_KEY, lambda stored: DeliveredMarks.load(stored).with_delivered(
            detection_id, cursor, previous).dump())


def get_mapping_fields() -> GetMappingFieldsResponse:
    scheme = SchemeTypeMapping(type_name=INCIDENT_TYPE)
    for name, description in OUTGOING_FIELDS.items():
        scheme.add_field(name, description)
    return GetMappingFieldsResponse([scheme])


@dataclass
class OutgoingUpdate:
    """One update-remote-system call: what changed in XSOAR, pushed to the detection."""

    client: VectraClient
    settings: Settings
    detection_id: int
    incident: dict
    delta: dict
    problems: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    pushed: set[str] = field(default_factory=set)  # entries added to Vectra by an earlier attempt of this update

    def __post_init__(self) -> None:
        self.pushed = set((as_dict(read_context().get(CONTEXT_PUSHED_KEY))).get(str(self.detection_id)) or [])

    def detection_state(self) -> str:
        """The detection's state in Vectra now: a close or reopen is pushed only when it changes something, so a
        retried update, or both sides closing at once, never applies it twice."""
        answer = self.client.list_detections({"id": self.detection_id, "page_size": 1})
        found = results_of(answer)
        return as_text(found[0].get("state")).lower() if found else ""

    def push_reopen(self, inbound: str | None) -> None:
        if inbound == "reopen" or not self.settings.reopen_detection:
            return
        if self.detection_state() == "fixed":
            mark(CONTEXT_OUTBOUND_KEY, self.detection_id, "reopen")
            self.client.open_detections([self.detection_id])
        self.client.update_detections([self.detection_id], investigation_status=self.settings.reopen_status)
        self.done.append(f"reopened with status {self.settings.reopen_status}")

    def push_fields(self) -> None:
        status = as_text(self.delta.get("vectraruxinvestigationstatus")).lower()
        if status:
            if status in INVESTIGATION_STATUSES:
                self.client.update_detections([self.detection_id], investigation_status=status)
                self.done.append(f"investigation status {status}")
            else:
                self.problems.append(f"Investigation status {status!r} is not one of {', '.join(INVESTIGATION_STATUSES)}.")
        if "vectraruxexternalreferenceid" in self.delta:
            reference = as_text(self.delta.get("vectraruxexternalreferenceid"))
            self.client.update_detections([self.detection_id], external_reference_id=reference)
            self.done.append(f"external reference ID {reference!r}")
        if "tags" in self.delta:
            self.push_tags(string_list(self.delta.get("tags")))
        if self._priority_reset_asked():
            self.push_priority_reset()

    def push_tags(self, xsoar_tags: list[str]) -> None:
        """Only the analyst's additions and removals, applied to Vectra's current list: tags added on the Vectra
        side since the last incoming mirror are kept."""
        synced = string_list(self.incident.get("vectraruxdetectiontags"))
        added = [tag for tag in xsoar_tags if tag not in synced]
        removed = [tag for tag in synced if tag not in xsoar_tags]
        invalid = [tag for tag in added if not TAG_PATTERN.match(tag)]
        if invalid:
            self.problems.append(f"Tags not sent to Vectra (allowed: letters, digits, spaces, _ : . -): {', '.join(invalid)}.")
            added = [tag for tag in added if tag not in invalid]
        if not added and not removed:
            return
        target = Target("detection", self.detection_id)
        current = list(self.client.get_tags(target).get("tags") or [])
        wanted = [tag for tag in current if tag not in removed] + [tag for tag in added if tag not in current]
        if wanted != current:
            self.client.set_tags(target, wanted)
        self.done.append(f"tags +{added} -{removed}")

    def _priority_reset_asked(self) -> bool:
        unresolved = self.delta.get("vectraruxentityunresolvedprioritystatus")
        return (unresolved is False or str(unresolved).lower() == "false"
                or as_text(self.delta.get("vectraruxentityprioritystatus")).lower() == "not prioritized")

    def push_priority_reset(self) -> None:
        entity_id = as_int(self.incident.get("vectraruxentityid"))
        entity_type = as_text(self.incident.get("vectraruxentitytype")).lower()
        if entity_id is None or entity_type not in ENTITY_TYPE_VALUES:
            self.problems.append("The unresolved priority was not cleared: the incident has no Vectra entity ID and type.")
            return
        try:
            self.client.update_entity(entity_type, entity_id, {"unresolved_priority": "False"})
            self.done.append(f"unresolved priority of {entity_type} {entity_id} cleared")
        except VectraApiError as error:
            self.problems.append(f"Vectra did not clear the unresolved priority of {entity_type} {entity_id}: {error}")

    def push_notes(self, entries: list[dict]) -> None:
        for entry in entries:
            text = str(entry.get("contents") or entry.get("Contents") or "")
            key = str(entry.get("id") or entry.get("ID") or hashlib.sha256(text.encode()).hexdigest()[:16])
            if not text.strip() or text.lstrip().startswith(FROM_VECTRA) or key in self.pushed:
                continue
            note = (f"{FROM_XSOAR} XSOAR Incident ID: {self.incident.get('id', '')}\nNote: {text}\n"
                    f"Added By: {entry.get('user') or entry.get('User') or 'XSOAR'}")
            if len(note) > MAX_NOTE_LENGTH:
                self.problems.append(f"The War Room note {entry.get('id', '')} was not added to Vectra detection "
                                     f"{self.detection_id}: with its mirroring header it is {len(note)} characters and "
                                     f"Vectra accepts at most {MAX_NOTE_LENGTH}. Shorten it or split it, then tag it again.")
                continue
            self.client.add_note(Target("detection", self.detection_id), note)
            self.remember(key)
            self.done.append("note added")

    def remember(self, key: str) -> None:
        self.pushed.add(key)
        marks = sorted(self.pushed)
        update_context_key(CONTEXT_PUSHED_KEY,
                           lambda stored: with_newest(stored, self.detection_id, marks, MAX_PUSHED_DETECTIONS))

    def forget_pushed(self) -> None:
        """The update succeeded whole: nothing of it will be retried."""
        if self.pushed:
            update_context_key(CONTEXT_PUSHED_KEY, lambda stored: {
                k: v for k, v in as_dict(stored).items() if k != str(self.detection_id)})

    def push_close(self, inbound: str | None) -> None:
        close_notes = as_text(self.incident.get("closeNotes") or self.delta.get("closeNotes"))
        if inbound == "close" or close_notes.startswith(CLOSED_IN_VECTRA) or not self.settings.close_detection:
            return
        if self.detection_state() == "fixed":
            self.done.append("already closed in Vectra")
            return
        mark(CONTEXT_OUTBOUND_KEY, self.detection_id, "close")
        self.client.close_detections([self.detection_id], self.settings.close_reason)
        self.client.update_detections([self.detection_id], investigation_status="closed")
        reason = as_text(self.incident.get("closeReason") or self.delta.get("closeReason")) or "unspecified"
        note = f"{FROM_XSOAR} XSOAR Incident ID: {self.incident.get('id', '')} was closed.\nClose Reason: {reason}"
        if close_notes:
            note += f"\nClose Notes: {close_notes}"
        self.client.add_note(Target("detection", self.detection_id), note[:MAX_NOTE_LENGTH])
        self.done.append(f"closed as {self.settings.close_reason}")


def _closed_now(parsed: UpdateRemoteSystemArgs) -> bool:
    delta = parsed.delta or {}
    closing_keys = ("closeReason", "closeNotes", "closingUserId")
    return parsed.inc_status == IncidentStatus.DONE and any(key in delta for key in closing_keys)


def _reopened_now(parsed: UpdateRemoteSystemArgs) -> bool:
    delta = parsed.delta or {}
    return parsed.inc_status != IncidentStatus.DONE and "closingUserId" in delta and not delta.get("closingUserId")


def update_remote_system(client: VectraClient, settings: Settings, args: dict) -> str:
    """Push what changed in XSOAR to the detection, in the order an analyst would: reopen, fields, notes, close."""
    parsed = UpdateRemoteSystemArgs(args)
    detection_id = as_int(parsed.remote_incident_id)
    incident = parsed.data or {}
    direction = incident.get("dbotMirrorDirection") or settings.mirror_direction
    if detection_id is None or direction not in ("Out", "Both"):
        return str(parsed.remote_incident_id)
    inbound = take_mark(CONTEXT_INBOUND_KEY, detection_id) if (_closed_now(parsed) or _reopened_now(parsed)) else None
    update = OutgoingUpdate(client, settings, detection_id, incident, parsed.delta or {})
    if _reopened_now(parsed):
        update.push_reopen(inbound)
        if direction == "Both" and inbound != "reopen":  # what Vectra changed while it was closed reaches it next cycle
            PullAgain.note_reopened(detection_id)
    if parsed.incident_changed:
        update.push_fields()
    update.push_notes(parsed.entries or [])
    if _closed_now(parsed):
        update.push_close(inbound)
    demisto.debug(f"[Mirror] detection {detection_id}: {'; '.join(update.done) or 'nothing to push'}")
    if update.problems:
        raise DemistoException(" ".join(update.problems))
    update.forget_pushed()
    return str(detection_id)


# --- 6. commands: arguments ---------------------------------------------------------------------------------


class Args(CommandArgs):
    """The shared argument reader, with the paging, tags and notes of this integration's commands."""

    def paging(self) -> dict:
        return {"page": self.number("page", 1, 1, 10**6), "page_size": self.number("page_size", 50, 1, MAX_PAGE_SIZE)}

    def tags(self, name: str = "tags") -> list[str]:
        tags = self.strings(name, required=True)
        bad = [tag for tag in tags if not TAG_PATTERN.match(tag)]
        if bad:
            raise ArgumentError(f'The argument "{name}" accepts tags of letters, digits, spaces and the characters _ : . - '
                                f'(at most 128 each); not valid: {", ".join(bad)}.')
        return tags

    def optional_note(self, name: str = "note") -> str | None:
        return None if self._raw(name, False) is None else self.note(name)

    def note(self, name: str = "note") -> str:
        note = self.text(name, required=True) or ""
        if len(note) > MAX_NOTE_LENGTH:
            raise ArgumentError(f'The argument "{name}" is {len(note)} characters long; Vectra accepts at most '
                                f'{MAX_NOTE_LENGTH}.')
        return note


# --- 6. commands: shared building blocks -------------------------------------------------------------------


def ui_link(settings: Settings, path: str, text: Any) -> str:
    """A markdown link into the Vectra UI (the pivot marks where the analyst came from)."""
    return f"[{text}]({settings.ui_url}/{path}?pivot={USER_AGENT})"


def detection_link(settings: Settings, detection_id: Any) -> str:
    return ui_link(settings, f"detections/{detection_id}", detection_id)


def entity_link(settings: Settings, entity_type: str, entity_id: Any, text: Any = None) -> str:
    return ui_link(settings, f"{entity_type}s/{entity_id}", text if text is not None else entity_id)


def results_of(answer: Any) -> list[dict]:
    if isinstance(answer, dict):
        results = answer.get("results")
        return [item for item in results if isinstance(item, dict)] if isinstance(results, list) else []
    return [item for item in answer if isinstance(item, dict)] if isinstance(answer, list) else []


def paging_note(answer: Any, shown: int, paging: dict, noun: str) -> str:
    total = answer.get("count") if isinstance(answer, dict) else None
    if total is None:
        return f"{shown} {noun}"
    return f"{shown} of {total} {noun} (page {paging['page']}, page size {paging['page_size']})"


def nothing_found(noun: str, raw: Any = None) -> CommandResults:
    return CommandResults(readable_output=f"No {noun} were found for the given arguments.", raw_response=raw)


# Each context path's key: the published integration's outputs_key_field, in its order (playbooks written for it pick
# records by these keys, and the platform merges records on them).
CONTEXT_KEYS: dict[str, list[str]] = {
    "Vectra.Detection": ["id"],
    "Vectra.Detection.Notes": ["detection_id", "note_id"],
    "Vectra.Detection.Tags": ["tag_id", "detection_id"],
    "Vectra.Entity": ["id", "type"],
    "Vectra.Entity.Detections": ["id"],
    "Vectra.Entity.Notes": ["entity_id", "entity_type", "note_id"],
    "Vectra.Entity.Tags": ["tag_id", "entity_type", "entity_id"],
    "Vectra.Entity.Assignments": ["assignment_id"],
    "Vectra.Entity.Assignments.Outcomes": ["outcome_id"],
    "Vectra.Group": ["group_id"],
    "Vectra.User": ["user_id"],
    "Vectra.Investigation": ["request_id"],
}


def top_level_tidy(record: dict) -> dict:
    """Empty fields dropped at the top level only (the platform's remove_nulls_from_dictionary, on a copy): how the
    published integration writes an investigation, whose result rows stay whole."""
    tidy = dict(record)
    remove_nulls_from_dictionary(tidy)
    return tidy


def context_results(prefix: str, outputs: dict | list[dict], readable: str, raw: Any,
                    tidy: Callable[[Any], Any] = remove_empty_elements, single: bool = False) -> CommandResults:
    """Every command's context is built here, as the published integration builds it, so that the same Vectra answer
    leaves the same context: None, [] and {} dropped at every depth (the platform's remove_empty_elements), a command
    about one record (`single`: added, updated, described) writing it as an object and a listing writing a list, under
    the path's published key."""
    if single and isinstance(outputs, list):
        outputs = outputs[0]
    return CommandResults(outputs_prefix=prefix, outputs_key_field=CONTEXT_KEYS[prefix], outputs=tidy(outputs),
                          readable_output=readable, raw_response=raw)


def table(title: str, rows: list[dict], headers: list[str]) -> str:
    return tableToMarkdown(title, rows, headers=headers, removeNull=False)


def detection_entity(detection: dict) -> str:
    source = as_dict(detection.get("src_host")) or as_dict(detection.get("src_account"))
    return str(source.get("name") or "")


def detection_rows(detections: list[dict], settings: Settings) -> list[dict]:
    return [{
        "ID": detection_link(settings, d.get("id")),
        "Detection": d.get("detection") or d.get("detection_type"),
        "Category": d.get("detection_category") or d.get("category"),
        "Entity": detection_entity(d),
        "Entity Type": d.get("type"),
        "State": d.get("state"),
        "Investigation Status": d.get("investigation_status"),
        "Threat": d.get("threat"),
        "Certainty": d.get("certainty"),
        "Tags": ", ".join(map(str, d.get("tags") or [])),
        "Last Seen": d.get("last_timestamp"),
    } for d in detections]


DETECTION_HEADERS = ["ID", "Detection", "Category", "Entity", "Entity Type", "State", "Investigation Status", "Threat",
                     "Certainty", "Tags", "Last Seen"]


def detection_list_results(client: VectraClient, settings: Settings, params: dict, prefix: str, title: str,
                           paging: dict) -> CommandResults:
    """GET /detections and its answer as context, markdown and raw response (shared by every detection listing)."""
    answer = client.list_detections({**params, **paging})
    detections = results_of(answer)
    if not detections:
        return nothing_found("detections", answer)
    readable = table(f"{title}: {paging_note(answer, len(detections), paging, 'detections')}",
                     detection_rows(detections, settings), DETECTION_HEADERS)
    return context_results(prefix, detections, readable, answer)


# --- 6. commands ------------------------------------------------------------------------------------------


def detection_list_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    params = assign_params(
        created_timestamp_gte=a.timestamp("created_after"),
        created_timestamp_lte=a.timestamp("created_before"),
        last_timestamp_gte=a.timestamp("last_detected_after"),
        last_timestamp_lte=a.timestamp("last_detected_before"),
        description=a.text("description"),
        detection=a.text("detection_name"),
        detection_type=a.text("detection_type"),
        detection_category=a.mapped("detection_category", DETECTION_CATEGORIES),
        include_info_category=str(a.boolean("include_info_category_detections", True)).lower(),
        reason=a.choice("close_reason", CLOSE_REASON_VALUES),
        state=a.choice("detection_state", ["active", "inactive", "fixed"]),
        type=a.choice("entity_type", ENTITY_TYPE_VALUES),
        tags=",".join(a.strings("tags")) or None,
        is_triaged=str(a.boolean("is_triaged", False)).lower(),
    )
    return detection_list_results(client, settings, params, "Vectra.Detection", "Detections", a.paging())


def detection_describe_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    ids = a.ids("detection_ids")
    return detection_list_results(client, settings, {"id": ",".join(map(str, ids))}, "Vectra.Entity.Detections",
                                  "Detection details", a.paging())


def entity_detection_list_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    entity_id = a.id("entity_id")
    entity_type = a.choice("entity_type", ENTITY_TYPE_VALUES, required=True)
    params = assign_params(
        entity_id=entity_id, type=entity_type,
        detection_category=a.mapped("detection_category", DETECTION_CATEGORIES),
        detection_type=a.text("detection_type"),
        last_timestamp_gte=a.timestamp("last_timestamp"),
        detection=a.text("detection_name"),
        state=a.choice("state", ["active", "inactive", "fixed"], default="active"),
        tags=",".join(a.strings("tags")) or None,
    )
    return detection_list_results(client, settings, params, "Vectra.Entity.Detections",
                                  f"Detections of {entity_type} {entity_id}", a.paging())


def detections_close_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    ids = a.ids("detection_ids")
    reason = a.choice("close_reason", CLOSE_REASON_VALUES, required=True)
    answer = client.close_detections(ids, reason)  # type: ignore[arg-type]
    return CommandResults(readable_output=f"Closed detection(s) {', '.join(map(str, ids))} as {reason}. "
                                          f"{_meta_message(answer)}".strip(), raw_response=answer)


def detections_open_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    ids = Args(args).ids("detection_ids")
    answer = client.open_detections(ids)
    return CommandResults(readable_output=f"Reopened detection(s) {', '.join(map(str, ids))}. {_meta_message(answer)}".strip(),
                          raw_response=answer)


def _meta_message(answer: Any) -> str:
    meta = as_dict(as_dict(answer).get("_meta"))
    message = as_text(meta.get("message"))
    level = as_text(meta.get("level")).lower()
    if level and level != "success":
        raise VectraApiError(f"Vectra reported: {message or level}")
    return f"Vectra: {message}." if message else ""


def detection_field_update(client: VectraClient, args: dict, field_name: str, value: str) -> CommandResults:
    """PATCH one field on several detections and confirm it (status and external reference share this)."""
    ids = Args(args).ids("detection_ids")
    answer = client.update_detections(ids, **{field_name: value})
    rows = [{"id": detection_id, field_name: value} for detection_id in ids]
    readable = table(f"Updated {field_name.replace('_', ' ')} of {len(ids)} detection(s). {_meta_message(answer)}", rows,
                     ["id", field_name])
    return context_results("Vectra.Detection", rows, readable, answer)


def detection_status_update_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    status = Args(args).choice("investigation_status", INVESTIGATION_STATUSES, required=True)
    return detection_field_update(client, args, "investigation_status", status)  # type: ignore[arg-type]


def detection_external_id_update_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    reference = Args(args).text("external_reference_id", required=True)
    return detection_field_update(client, args, "external_reference_id", reference)  # type: ignore[arg-type]


def pcap_download_command(client: VectraClient, settings: Settings, args: dict) -> dict:
    detection_id = Args(args).id("detection_id")
    res = client.detection_pcap(detection_id)  # type: ignore[arg-type]
    match = re.search(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', res.headers.get("Content-Disposition", ""))
    name = match.group(1).strip() if match else f"detection_{detection_id}.pcap"
    return fileResult(re.sub(r"[/\\\\]", "_", name), res.content)


# notes and tags: one implementation for detections and entities


def note_record(target: Target, note: dict) -> dict:
    return {**target.identity, "note_id": note.get("id"), **note}


NOTE_HEADERS = ["note_id", "note", "created_by", "date_created", "modified_by", "date_modified"]


def note_results(target: Target, notes: list[dict], title: str, raw: Any, single: bool = False) -> CommandResults:
    """`single`: one note (added, updated); a note list otherwise."""
    records = [note_record(target, note) for note in notes]
    return context_results(f"{target.prefix}.Notes", records, table(title, records, NOTE_HEADERS), raw, single=single)


def note_list(client: VectraClient, args: dict, kind: str) -> CommandResults:
    target = Target.from_args(kind, Args(args))
    answer = client.list_notes(target)
    notes = results_of(answer)
    if not notes:
        return CommandResults(readable_output=f"No notes were found for {target.label}.", raw_response=answer)
    return note_results(target, notes, f"Notes of {target.label}", answer)


def note_add(client: VectraClient, args: dict, kind: str) -> CommandResults:
    a = Args(args)
    target, note = Target.from_args(kind, a), a.note()
    created = client.add_note(target, note)
    return note_results(target, [created], f"Added a note to {target.label}", created, single=True)


def note_update(client: VectraClient, args: dict, kind: str) -> CommandResults:
    a = Args(args)
    target, note_id, note = Target.from_args(kind, a), a.id("note_id"), a.note()
    updated = client.update_note(target, note_id, note)  # type: ignore[arg-type]
    return note_results(target, [updated], f"Updated note {note_id} of {target.label}", updated, single=True)


def note_remove(client: VectraClient, args: dict, kind: str) -> CommandResults:
    a = Args(args)
    target, note_id = Target.from_args(kind, a), a.id("note_id")
    client.delete_note(target, note_id)  # type: ignore[arg-type]
    return CommandResults(readable_output=f"Deleted note {note_id} of {target.label}.")


def tag_results(target: Target, answer: dict, readable: str) -> CommandResults:
    record = {"tag_id": answer.get("tag_id"), **target.identity, "tags": list(answer.get("tags") or [])}
    return context_results(f"{target.prefix}.Tags", record, readable, answer)


def tag_list(client: VectraClient, args: dict, kind: str) -> CommandResults:
    target = Target.from_args(kind, Args(args))
    answer = client.get_tags(target)
    tags = list(answer.get("tags") or [])
    readable = f"Tags of {target.label}: {', '.join(tags)}." if tags else f"{target.label.capitalize()} has no tags."
    return tag_results(target, answer, readable)


@dataclass(frozen=True)
class ListChange:
    """Adding items to, or removing them from, a list that Vectra only lets us replace whole."""

    changed: list[str]    # requested items that really are added (or removed)
    unchanged: list[str]  # requested items already present (or already absent)
    result: list[str]     # the whole list to write back


def change_list(current: list[str], requested: list[str], adding: bool) -> ListChange:
    if adding:
        added = [item for item in requested if item not in current]
        return ListChange(added, [item for item in requested if item in current], current + added)
    removed = [item for item in requested if item in current]
    return ListChange(removed, [item for item in requested if item not in current],
                      [item for item in current if item not in requested])


def tag_change(client: VectraClient, args: dict, kind: str, adding: bool) -> CommandResults:
    """Tags are a replace-only list in Vectra: read it, change it, write it back only when it changed."""
    a = Args(args)
    target, requested = Target.from_args(kind, a), a.tags()
    tagging = client.get_tags(target)
    current = list(tagging.get("tags") or [])
    change = change_list(current, requested, adding)
    answer = client.set_tags(target, change.result) if change.changed else tagging
    verb, skipped = ("Added", "already present") if adding else ("Removed", "not present")
    lines = [f"{verb} tag(s) {', '.join(change.changed)} {'to' if adding else 'from'} {target.label}." if change.changed
             else f"Nothing to change on {target.label}."]
    if change.unchanged:
        lines.append(f"Tag(s) {skipped}: {', '.join(change.unchanged)}.")
    lines.append(f"Tags now: {', '.join(answer.get('tags') or []) or 'none'}.")
    return tag_results(target, answer, " ".join(lines))


# entities


def entity_record(entity: dict) -> dict:
    """An entity as context, with note keys also under the names the published outputs use."""
    notes = [{**note, "dateCreated": note.get("date_created"), "dateModified": note.get("date_modified"),
              "createdBy": note.get("created_by"), "ModifiedBy": note.get("modified_by")}
             for note in entity.get("notes") or [] if isinstance(note, dict)]
    return {**entity, "notes": notes}


def entity_rows(entities: list[dict], settings: Settings) -> list[dict]:
    return [{
        "ID": entity_link(settings, str(e.get("type")), e.get("id")),
        "Name": e.get("name"),
        "Type": e.get("type"),
        "Urgency": e.get("urgency_score"),
        "Importance": e.get("importance"),
        "Prioritized": e.get("is_prioritized"),
        "State": e.get("state"),
        "Detections": len(e.get("detection_set") or []),
        "Tags": ", ".join(map(str, e.get("tags") or [])),
        "Last Detection": e.get("last_detection_timestamp"),
    } for e in entities]


ENTITY_HEADERS = ["ID", "Name", "Type", "Urgency", "Importance", "Prioritized", "State", "Detections", "Tags",
                  "Last Detection"]


def entity_results(entities: list[dict], settings: Settings, title: str, raw: Any, single: bool = False) -> CommandResults:
    """`single`: one entity (describe); a listing otherwise."""
    records = [entity_record(e) for e in entities]
    return context_results("Vectra.Entity", records, table(title, entity_rows(entities, settings), ENTITY_HEADERS), raw,
                           single=single)


def entity_list_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    paging = a.paging()
    params = assign_params(
        type=a.choice("entity_type", ENTITY_TYPE_VALUES),
        is_prioritized=None if a.boolean("prioritized") is None else str(a.boolean("prioritized")).lower(),
        name=a.text("name"),
        tags=",".join(a.strings("tags")) or None,
        state=a.choice("state", ["active", "inactive"]),
        ordering=a.text("ordering"),
        last_detection_timestamp_gte=a.timestamp("last_detection_timestamp"),
        last_modified_timestamp_gte=a.timestamp("last_modified_timestamp"),
    )
    answer = client.list_entities({**params, **paging})
    entities = results_of(answer)
    if not entities:
        return nothing_found("entities", answer)
    return entity_results(entities, settings, f"Entities: {paging_note(answer, len(entities), paging, 'entities')}", answer)


def entity_describe_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    entity_id, entity_type = a.id("entity_id"), a.choice("entity_type", ENTITY_TYPE_VALUES, required=True)
    try:
        entity = client.get_entity(entity_type, entity_id)  # type: ignore[arg-type]
    except VectraApiError as error:
        if error.status == 404:
            return CommandResults(readable_output=f"No {entity_type} with ID {entity_id} was found in Vectra.")
        raise
    return entity_results([entity], settings, f"{str(entity_type).capitalize()} {entity_id}", entity, single=True)


def entity_update(client: VectraClient, args: dict, fields: dict, shown: dict, what: str) -> CommandResults:
    a = Args(args)
    entity_id, entity_type = a.id("entity_id"), a.choice("entity_type", ENTITY_TYPE_VALUES, required=True)
    answer = client.update_entity(entity_type, entity_id, fields)  # type: ignore[arg-type]
    record = {"id": entity_id, "type": entity_type, **shown}
    return context_results("Vectra.Entity", record, table(f"{what} for {entity_type} {entity_id}", [record], list(record)),
                           answer)


def entity_external_id_update_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    reference = Args(args).text("external_reference_id", required=True)
    return entity_update(client, args, {"external_reference_id": reference}, {"external_reference_id": reference},
                         "Updated the external reference ID")


def entity_unresolved_priority_reset_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    return entity_update(client, args, {"unresolved_priority": "False"}, {"unresolved_priority": False},
                         "Cleared the unresolved priority")


def entity_detections_close_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    entity_id = a.id("entity_id")
    entity_type = a.choice("entity_type", ENTITY_TYPE_VALUES, required=True)
    reason = a.choice("close_reason", CLOSE_REASON_VALUES, required=True)
    ids: list[int] = []
    page = 1
    while True:  # every active detection of the entity, however many pages
        answer = client.list_detections({"entity_id": entity_id, "type": entity_type, "state": "active", "page": page,
                                         "page_size": MAX_PAGE_SIZE})
        ids.extend(d["id"] for d in results_of(answer) if as_int(d.get("id")) is not None)
        if not as_dict(answer).get("next"):
            break
        page += 1
    if not ids:
        return CommandResults(readable_output=f"{str(entity_type).capitalize()} {entity_id} has no active detections to close.")
    closed = client.close_detections(ids, reason)  # type: ignore[arg-type]
    return CommandResults(readable_output=f"Closed {len(ids)} active detection(s) of {entity_type} {entity_id} as {reason}: "
                                          f"{', '.join(map(str, ids))}. {_meta_message(closed)}".strip(), raw_response=closed)


# assignments


def assignment_record(assignment: dict) -> dict:
    return {"assignment_id": assignment.get("id"), **assignment}


def assignment_rows(assignments: list[dict], settings: Settings) -> list[dict]:
    rows = []
    for item in assignments:
        entity_type = "host" if item.get("host_id") else "account"
        entity_id = item.get("host_id") or item.get("account_id")
        rows.append({
            "Assignment ID": item.get("id"),
            "Entity": entity_link(settings, entity_type, entity_id, f"{entity_type} {entity_id}") if entity_id else "",
            "Assigned To": as_dict(item.get("assigned_to")).get("username"),
            "Assigned By": as_dict(item.get("assigned_by")).get("username"),
            "Assigned": item.get("date_assigned"),
            "Outcome": as_dict(item.get("outcome")).get("title"),
            "Resolved By": as_dict(item.get("resolved_by")).get("username"),
            "Resolved": item.get("date_resolved"),
        })
    return rows


ASSIGNMENT_HEADERS = ["Assignment ID", "Entity", "Assigned To", "Assigned By", "Assigned", "Outcome", "Resolved By", "Resolved"]


def assignment_results(assignments: list[dict], settings: Settings, title: str, raw: Any,
                       single: bool = False) -> CommandResults:
    """`single`: one assignment (added, reassigned, resolved); a listing otherwise."""
    records = [assignment_record(a) for a in assignments]
    return context_results("Vectra.Entity.Assignments", records,
                           table(title, assignment_rows(assignments, settings), ASSIGNMENT_HEADERS), raw, single=single)


def assignment_list_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    entity_ids = a.ids("entity_ids", required=False)
    entity_type = a.choice("entity_type", ENTITY_TYPE_VALUES)
    if entity_ids and not entity_type:
        raise ArgumentError('The argument "entity_type" is required with "entity_ids": account or host.')
    resolved = a.choice("resolved", ["True", "False"])
    paging = a.paging()
    params = assign_params(
        **({f"{entity_type}s": ",".join(map(str, entity_ids))} if entity_ids else {}),
        resolved=resolved.lower() if resolved else None,
        assignees=",".join(map(str, a.ids("assignees", required=False))) or None,
        resolution=",".join(map(str, a.ids("resolution", required=False))) or None,
        created_after=a.timestamp("created_after"),
    )
    answer = client.list_assignments({**params, **paging})
    assignments = results_of(answer)
    if not assignments:
        return nothing_found("assignments", answer)
    return assignment_results(assignments, settings,
                              f"Assignments: {paging_note(answer, len(assignments), paging, 'assignments')}", answer)


def entity_assignment_add_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    entity_id = a.id("entity_id")
    entity_type = a.choice("entity_type", ENTITY_TYPE_VALUES, required=True)
    user_id = a.id("user_id")
    answer = client.create_assignment({"assign_to_user_id": user_id, f"assign_{entity_type}_id": entity_id})
    assignment = as_dict(answer.get("assignment")) or answer
    return assignment_results([assignment], settings, f"Assigned {entity_type} {entity_id} to user {user_id}", answer,
                              single=True)


def entity_assignment_update_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    assignment_id, user_id = a.id("assignment_id"), a.id("user_id")
    answer = client.reassign(assignment_id, user_id)  # type: ignore[arg-type]
    assignment = as_dict(answer.get("assignment")) or answer
    return assignment_results([assignment], settings, f"Reassigned assignment {assignment_id} to user {user_id}", answer,
                              single=True)


def entity_assignment_resolve_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    assignment_id, outcome_id = a.id("assignment_id"), a.id("outcome_id")
    triage_as = a.text("triage_as")
    detection_ids = a.ids("detection_ids", required=bool(triage_as))
    body = assign_params(outcome=outcome_id, note=a.optional_note(), triage_as=triage_as, detection_ids=detection_ids or None)
    answer = client.resolve_assignment(assignment_id, body)  # type: ignore[arg-type]
    assignment = as_dict(answer.get("assignment")) or answer
    return assignment_results([assignment], settings, f"Resolved assignment {assignment_id}", answer, single=True)


def assignment_outcome_list_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    paging = Args(args).paging()
    answer = client.list_outcomes(paging)
    outcomes = [{"outcome_id": o.get("id"), **o} for o in results_of(answer)]
    if not outcomes:
        return nothing_found("assignment outcomes", answer)
    readable = table(f"Assignment outcomes: {paging_note(answer, len(outcomes), paging, 'outcomes')}", outcomes,
                     ["outcome_id", "title", "category", "builtin", "user_selectable"])
    return context_results("Vectra.Entity.Assignments.Outcomes", outcomes, readable, answer)


# groups


GROUP_TYPES = ["account", "host", "ip", "domain"]
GROUP_IMPORTANCE = ["high", "medium", "low", "never_prioritize"]


def group_member_names(group: dict) -> list[str]:
    names = []
    for member in group.get("members") or []:
        if isinstance(member, dict):
            names.append(str(member.get("name") or member.get("uid") or member.get("id")))
        else:
            names.append(str(member))
    return names


def group_results(groups: list[dict], title: str, raw: Any, single: bool = False) -> CommandResults:
    """`single`: one group (assign, unassign); a listing otherwise."""
    records = [{"group_id": g.get("id"), **g} for g in groups]
    rows = [{"Group ID": g.get("id"), "Name": g.get("name"), "Type": g.get("type"), "Importance": g.get("importance"),
             "Description": g.get("description"), "Members": ", ".join(group_member_names(g)),
             "Last Modified": g.get("last_modified"), "Last Modified By": g.get("last_modified_by")} for g in groups]
    headers = ["Group ID", "Name", "Type", "Importance", "Description", "Members", "Last Modified", "Last Modified By"]
    return context_results("Vectra.Group", records, table(title, rows, headers), raw, single=single)


def group_list_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    params = assign_params(
        type=a.choice("group_type", GROUP_TYPES),
        account_names=",".join(a.strings("account_names")) or None,
        domains=",".join(a.strings("domains")) or None,
        host_ids=",".join(map(str, a.ids("host_ids", required=False))) or None,
        host_names=",".join(a.strings("host_names")) or None,
        importance=a.choice("importance", GROUP_IMPORTANCE),
        ips=",".join(a.strings("ips")) or None,
        description=a.text("description"),
        last_modified_timestamp=a.timestamp("last_modified_timestamp"),
        last_modified_by=a.text("last_modified_by"),
        name=a.text("group_name"),
    )
    paging = a.paging()
    answer = client.list_groups({**params, **paging})
    groups = results_of(answer)
    if not groups:
        return nothing_found("groups", answer)
    return group_results(groups, f"Groups: {paging_note(answer, len(groups), paging, 'groups')}", answer)


def member_key(group_type: str, member: Any) -> str:
    """How a member is written back to Vectra: host ids, account uids, IPs and domains as text."""
    if isinstance(member, dict):
        return str(member.get("id") if group_type == "host" else member.get("uid") or member.get("name"))
    return str(member)


def group_membership(client: VectraClient, args: dict, adding: bool) -> CommandResults:
    """Membership is replace-only in Vectra: read the group, change the list, write it back when it changed."""
    a = Args(args)
    group_id = a.id("group_id")
    requested = a.strings("members", required=True)
    group = client.get_group(group_id)  # type: ignore[arg-type]
    group_type = str(group.get("type") or "")
    if group_type == "host":
        bad = [m for m in requested if not m.isdigit()]
        if bad:
            raise ArgumentError(f'The argument "members" must be host IDs for the host group {group_id}; not IDs: '
                                f'{", ".join(bad)}.')
    current = [member_key(group_type, m) for m in group.get("members") or []]
    change = change_list(current, requested, adding)
    members = [int(m) if group_type == "host" else m for m in change.result]
    updated = client.set_group_members(group_id, members) if change.changed else group  # type: ignore[arg-type]
    verb, skipped = ("Added", "already members") if adding else ("Removed", "not members")
    summary = (f"{verb} {', '.join(change.changed)} {'to' if adding else 'from'} group {group_id}." if change.changed
               else f"Nothing to change in group {group_id}.")
    if change.unchanged:
        summary += f" {skipped.capitalize()}: {', '.join(change.unchanged)}."
    return group_results([updated], summary, updated, single=True)


# users and investigations


def user_list_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    params = assign_params(email=a.text("email"), role=a.mapped("role", USER_ROLES),
                           last_login_gte=a.timestamp("last_login_timestamp"))
    paging = a.paging()
    answer = client.list_users({**params, **paging})
    username = a.text("username")
    users = [u for u in results_of(answer) if not username or str(u.get("name", "")).lower() == username.lower()]
    if not users:
        return nothing_found("users", answer)
    records = [{"user_id": u.get("id"), **u} for u in users]
    readable = table(f"Users: {paging_note(answer, len(users), paging, 'users')}", records,
                     ["user_id", "name", "email", "role", "last_login_timestamp"])
    return context_results("Vectra.User", records, readable, answer)


def investigation_query_send_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    answer = client.submit_investigation(a.text("query", required=True), a.text("version"))  # type: ignore[arg-type]
    request_id = answer.get("request_id")
    days = as_dict(answer.get("searchable_range")).get("searchable_days_allowed")
    readable = (f"Investigation query submitted. Request ID: {request_id}. Searchable range: {days} days. "
                f"Get its results with: !vectra-investigation-result-get id={request_id}")
    return context_results("Vectra.Investigation", answer, readable, answer, tidy=top_level_tidy)


def investigation_result_get_command(client: VectraClient, settings: Settings, args: dict) -> CommandResults:
    a = Args(args)
    request_id = a.text("id", required=True)
    paging = a.paging()
    answer = client.investigation_results(request_id, paging["page"], paging["page_size"])  # type: ignore[arg-type]
    meta = as_dict(answer.get("meta"))
    status = meta.get("query_status") or "unknown"
    rows = [row for row in answer.get("data") or [] if isinstance(row, dict)]
    header = (f"Investigation {request_id}: {status}, {meta.get('num_rows_available', 0)} row(s) available "
              f"(page {paging['page']}, page size {paging['page_size']})")
    if status != "completed":
        readable = f"### {header}\nThe query is still running: run this command again shortly."
    elif rows:
        readable = tableToMarkdown(header, rows, headers=meta.get("columns") or None)
    else:
        readable = f"### {header}\nNo rows on this page."
    return context_results("Vectra.Investigation", answer, readable, answer, tidy=top_level_tidy)


# --- 7. test-module, registry and main ------------------------------------------------------------------


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
    update_context(lambda context: {CONTEXT_FETCH_KEY: {"reset": True}})
    return CommandResults(readable_output="The fetch checkpoint and de-duplication state were cleared. The next fetch starts "
                                          "at First Fetch Time and may create incidents again for detections fetched before.")


Handler = Callable[[VectraClient, Settings, dict], Any]


def notes_and_tags_commands(kind: str) -> dict[str, Handler]:
    """The seven note and tag commands of detections or entities: one implementation, parameterised by kind."""
    return {
        f"vectra-{kind}-tag-list": lambda client, settings, args: tag_list(client, args, kind),
        f"vectra-{kind}-tag-add": lambda client, settings, args: tag_change(client, args, kind, adding=True),
        f"vectra-{kind}-tag-remove": lambda client, settings, args: tag_change(client, args, kind, adding=False),
        f"vectra-{kind}-note-list": lambda client, settings, args: note_list(client, args, kind),
        f"vectra-{kind}-note-add": lambda client, settings, args: note_add(client, args, kind),
        f"vectra-{kind}-note-update": lambda client, settings, args: note_update(client, args, kind),
        f"vectra-{kind}-note-remove": lambda client, settings, args: note_remove(client, args, kind),
    }


COMMANDS: dict[str, Handler] = {
    **notes_and_tags_commands("detection"),
    **notes_and_tags_commands("entity"),
    "vectra-detection-list": detection_list_command,
    "vectra-detection-describe": detection_describe_command,
    "vectra-detections-mark-asclosed": detections_close_command,
    "vectra-detections-mark-asopen": detections_open_command,
    "vectra-detection-pcap-download": pcap_download_command,
    "vectra-detection-investigation-status-update": detection_status_update_command,
    "vectra-detection-external-id-update": detection_external_id_update_command,
    "vectra-entity-list": entity_list_command,
    "vectra-entity-describe": entity_describe_command,
    "vectra-entity-detection-list": entity_detection_list_command,
    "vectra-entity-external-id-update": entity_external_id_update_command,
    "vectra-entity-unresolved-priority-reset": entity_unresolved_priority_reset_command,
    "vectra-entity-detections-mark-asclosed": entity_detections_close_command,
    "vectra-assignment-list": assignment_list_command,
    "vectra-entity-assignment-add": entity_assignment_add_command,
    "vectra-entity-assignment-update": entity_assignment_update_command,
    "vectra-entity-assignment-resolve": entity_assignment_resolve_command,
    "vectra-assignment-outcome-list": assignment_outcome_list_command,
    "vectra-group-list": group_list_command,
    "vectra-group-assign": lambda client, settings, args: group_membership(client, args, adding=True),
    "vectra-group-unassign": lambda client, settings, args: group_membership(client, args, adding=False),
    "vectra-user-list": user_list_command,
    "vectra-investigation-query-send": investigation_query_send_command,
    "vectra-investigation-result-get": investigation_result_get_command,
    "vectra-fetch-reset": fetch_reset_command,
}
MIRRORING: dict[str, Handler] = {
    "get-modified-remote-data": get_modified_remote_data,
    "get-remote-data": get_remote_data,
    "update-remote-system": update_remote_system,
}
SERVER_COMMANDS = ("test-module", "fetch-incidents", "get-mapping-fields")
BUDGETS = {"fetch-incidents": FETCH_TIME_BUDGET_S, "get-modified-remote-data": MIRROR_TIME_BUDGET_S,
           "get-remote-data": MIRROR_TIME_BUDGET_S, "update-remote-system": MIRROR_TIME_BUDGET_S}


def dispatch(command: str, params: dict, args: dict) -> None:
    settings = parse_settings(params)
    client = VectraClient(settings, Budget(BUDGETS.get(command, COMMAND_TIME_BUDGET_S)))
    if command == "test-module":
        return_results(test_module(client, settings))
    elif command == "fetch-incidents":
        fetch_incidents(client, settings)
    elif command == "get-mapping-fields":
        return_results(get_mapping_fields())
    elif command in MIRRORING:
        return_results(MIRRORING[command](client, settings, args))
    else:
        return_results(COMMANDS[command](client, settings, args))


def main() -> None:
    command = demisto.command()
    demisto.debug(f"[Main] command {command}")
    try:
        if command not in SERVER_COMMANDS and command not in MIRRORING and command not in COMMANDS:
            raise NotImplementedError(f"The command {command} is not implemented by the Vectra RUX integration.")
        dispatch(command, demisto.params(), demisto.args())
    except Exception as error:
        return_error(failure_message(command, error))


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
