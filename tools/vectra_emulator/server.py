"""HTTP side of the emulator: routes of the Vectra RUX v3.5 API, OAuth2, faults, counters, admin endpoints.

Served by the standard library's `ThreadingHTTPServer` speaking HTTP/1.1 with keep-alive (see README.md for why).
Errors come back the way the platform's Django REST framework answers them: `{"detail": "..."}` with 400, 401,
404 or 409; tagging answers `{"status": "failure", ...}`; bulk detection changes answer a `_meta` envelope.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tools.vectra_emulator.activity import acting_as, api_client
from tools.vectra_emulator.auth import TokenStore
from tools.vectra_emulator.catalog import (
    CATEGORY_BY_FILTER,
    CLOSE_REASONS,
    DETECTION_STATES,
    INVESTIGATION_STATUSES,
    OUTCOME_CATEGORIES,
    USER_ROLES,
)
from tools.vectra_emulator.faults import Faults
from tools.vectra_emulator.world import TAG_PATTERN, ApiError, EventQuery, World, iso, parse_time

API = r"/api/v3(?:\.\d+)?"
MAX_EVENTS_LIMIT = 1000
MAX_PAGE_SIZE = 5000
API_CLIENT_ACTOR: dict[str, Any] = {"id": 1, "username": "API Client xsoar"}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Any
    body: bytes
    base_url: str

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def json(self) -> dict:
        if not self.body:
            return {}
        try:
            value = json.loads(self.body)
        except ValueError:
            raise ApiError(400, "JSON parse error - request body is not valid JSON") from None
        if not isinstance(value, dict):
            raise ApiError(400, "Expected a JSON object in the request body")
        return value

    def form(self) -> dict[str, str]:
        return {key: values[-1] for key, values in parse_qs(self.body.decode("utf-8", "replace")).items()}


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(value: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(value, ensure_ascii=False).encode())


# --- parameter parsing: every bad value is a 400 naming the parameter ---------------------------------------


def int_param(request: Request, name: str, default: int | None = None, low: int | None = None,
              high: int | None = None) -> int | None:
    raw = request.param(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name}: a valid integer is required.") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise ApiError(400, f"{name}: ensure this value is between {low} and {high}.")
    return value


def bool_param(request: Request, name: str, default: bool | None = None) -> bool | None:
    raw = request.param(name)
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ApiError(400, f"{name}: must be true or false.")


def choice_param(request: Request, name: str, choices: list[str]) -> str | None:
    raw = request.param(name)
    if raw is None or raw == "":
        return None
    if raw not in choices:
        raise ApiError(400, f"{name}: {raw!r} is not a valid choice; valid choices: {', '.join(choices)}.")
    return raw


def csv_param(request: Request, name: str, choices: list[str] | None = None) -> list[str] | None:
    raw = request.param(name)
    if raw is None or raw == "":
        return None
    values = [part.strip() for part in raw.split(",") if part.strip()]
    if choices:
        bad = [v for v in values if v not in choices]
        if bad:
            raise ApiError(400, f"{name}: {bad} not valid; valid choices: {', '.join(choices)}.")
    return values


def csv_int_param(request: Request, name: str) -> list[int] | None:
    values = csv_param(request, name)
    if values is None:
        return None
    try:
        return [int(v) for v in values]
    except ValueError:
        raise ApiError(400, f"{name}: a comma-separated list of integers is required.") from None


def time_param(request: Request, name: str) -> str | None:
    raw = request.param(name)
    return iso(parse_time(raw, name)) if raw else None


def id_list(body: dict, name: str = "detectionIdList") -> list[int]:
    ids = body.get(name)
    if not isinstance(ids, list) or not ids:
        raise ApiError(400, f"{name}: a non-empty list of ids is required.")
    try:
        return [int(i) for i in ids]
    except (TypeError, ValueError):
        raise ApiError(400, f"{name}: ids must be integers.") from None


def required_type(request: Request) -> str:
    entity_type = request.param("type")
    if entity_type not in ("host", "account"):
        raise ApiError(400, "type: this query parameter is required and must be one of: account, host.")
    return entity_type


def paginate(request: Request, items: list[dict]) -> Response:
    page = int_param(request, "page", 1, 1) or 1
    page_size = int_param(request, "page_size", 50, 1, MAX_PAGE_SIZE) or 50
    start = (page - 1) * page_size
    if items and start >= len(items) or not items and page > 1:
        raise ApiError(404, "Invalid page.")

    def link(number: int) -> str:
        query = {key: values[-1] for key, values in request.query.items()}
        query["page"] = str(number)
        return f"{request.base_url}{request.path}?{urlencode(query)}"

    return json_response({
        "count": len(items),
        "next": link(page + 1) if start + page_size < len(items) else None,
        "previous": link(page - 1) if page > 1 else None,
        "results": items[start:start + page_size],
    })


Handler = Callable[..., Response]


class Api:
    """Routes and handlers. `handle` returns (route name, Response) for one request."""

    def __init__(self, world: World, tokens: TokenStore, faults: Faults):
        self.world = world
        self.tokens = tokens
        self.faults = faults
        self.counters: Counter[tuple[str, str, int]] = Counter()
        self.handler_seconds: dict[str, float] = {}  # time spent building answers, per route
        self.events_served = 0
        self.internal_errors: list[str] = []
        self._counter_lock = threading.Lock()
        self.routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        self._register()

    def _route(self, method: str, pattern: str, name: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(f"^{pattern}/?$"), name, handler))

    def _register(self) -> None:
        r = self._route
        r("POST", "/oauth2/token", "oauth2/token", self.token)
        r("GET", f"{API}/events/detections", "events/detections", self.events)
        r("GET", f"{API}/events/audits", "events/audits", self.audit_events)
        r("GET", f"{API}/events/entity_scoring", "events/entity_scoring", self.scoring_events)
        r("GET", f"{API}/lockdown", "lockdown", self.lockdown)
        r("GET", f"{API}/health", "health", lambda request: json_response(self.world.health_object()))
        r("GET", f"{API}/detections", "detections", self.detections_list)
        r("PATCH", f"{API}/detections", "detections:patch", self.detections_patch)
        r("PATCH", f"{API}/detections/close", "detections/close", self.detections_close)
        r("PATCH", f"{API}/detections/open", "detections/open", self.detections_open)
        r("GET", rf"{API}/detections/(?P<id>\d+)", "detections/{id}", self.detection_get)
        r("GET", rf"{API}/detections/(?P<id>[^/]+)/pcap", "detections/{id}/pcap", self.pcap)
        r("GET", rf"{API}/detections/(?P<id>[^/]+)/notes", "detections/{id}/notes", self.notes_list)
        r("POST", rf"{API}/detections/(?P<id>[^/]+)/notes", "detections/{id}/notes", self.note_add)
        r("PATCH", rf"{API}/detections/(?P<id>[^/]+)/notes/(?P<note>[^/]+)", "detections/{id}/notes/{note}", self.note_update)
        r("DELETE", rf"{API}/detections/(?P<id>[^/]+)/notes/(?P<note>[^/]+)", "detections/{id}/notes/{note}", self.note_delete)
        r("GET", rf"{API}/tagging/detection/(?P<id>[^/]+)", "tagging/detection/{id}", self.tags_get)
        r("PATCH", rf"{API}/tagging/detection/(?P<id>[^/]+)", "tagging/detection/{id}", self.tags_patch)
        r("GET", f"{API}/entities", "entities", self.entities_list)
        r("GET", rf"{API}/entities/(?P<id>[^/]+)", "entities/{id}", self.entity_get)
        r("PATCH", rf"{API}/entities/(?P<id>[^/]+)", "entities/{id}", self.entity_patch)
        r("GET", rf"{API}/entities/(?P<id>[^/]+)/notes", "entities/{id}/notes", self.notes_list)
        r("POST", rf"{API}/entities/(?P<id>[^/]+)/notes", "entities/{id}/notes", self.note_add)
        r("PATCH", rf"{API}/entities/(?P<id>[^/]+)/notes/(?P<note>[^/]+)", "entities/{id}/notes/{note}", self.note_update)
        r("DELETE", rf"{API}/entities/(?P<id>[^/]+)/notes/(?P<note>[^/]+)", "entities/{id}/notes/{note}", self.note_delete)
        r("GET", rf"{API}/tagging/entity/(?P<id>[^/]+)", "tagging/entity/{id}", self.tags_get)
        r("PATCH", rf"{API}/tagging/entity/(?P<id>[^/]+)", "tagging/entity/{id}", self.tags_patch)
        r("GET", f"{API}/assignments", "assignments", self.assignments_list)
        r("POST", f"{API}/assignments", "assignments", self.assignment_create)
        r("PUT", rf"{API}/assignments/(?P<id>[^/]+)", "assignments/{id}", self.assignment_update)
        r("DELETE", rf"{API}/assignments/(?P<id>[^/]+)", "assignments/{id}", self.assignment_delete)
        r("PUT", rf"{API}/assignments/(?P<id>[^/]+)/resolve", "assignments/{id}/resolve", self.assignment_resolve)
        r("GET", f"{API}/assignment_outcomes", "assignment_outcomes", self.outcomes_list)
        r("POST", f"{API}/assignment_outcomes", "assignment_outcomes", self.outcome_create)
        r("GET", f"{API}/groups", "groups", self.groups_list)
        r("GET", rf"{API}/groups/(?P<id>[^/]+)", "groups/{id}", self.group_get)
        r("PATCH", rf"{API}/groups/(?P<id>[^/]+)", "groups/{id}", self.group_patch)
        r("GET", f"{API}/users", "users", self.users_list)
        r("POST", f"{API}/investigations", "investigations", self.investigation_submit)
        r("GET", rf"{API}/investigations/(?P<id>[^/]+)", "investigations/{id}", self.investigation_get)
        r("GET", "/_emulator/health", "_emulator/health", lambda req: json_response({"ok": True}))
        r("GET", "/_emulator/counters", "_emulator/counters", lambda req: json_response(self.counter_rows()))
        r("GET", "/_emulator/timings", "_emulator/timings", lambda req: json_response(dict(self.handler_seconds)))
        r("GET", "/_emulator/stats", "_emulator/stats", lambda req: json_response(self.stats()))
        r("POST", "/_emulator/counters/reset", "_emulator/counters/reset", self.admin_reset_counters)
        r("GET", "/_emulator/faults", "_emulator/faults", lambda req: json_response(self.faults.snapshot()))
        r("POST", "/_emulator/faults", "_emulator/faults", self.admin_faults)
        r("GET", "/_emulator/world", "_emulator/world", self.admin_world_summary)
        r("POST", "/_emulator/world", "_emulator/world", self.admin_world_action)

    # --- dispatch -------------------------------------------------------------------------------------------

    def match(self, method: str, path: str) -> tuple[str, Handler, dict[str, str]] | None:
        allowed = False
        for route_method, pattern, name, handler in self.routes:
            found = pattern.match(path)
            if found:
                if route_method == method:
                    return name, handler, found.groupdict()
                allowed = True
        if allowed:
            return "method-not-allowed", lambda req, **_: json_response({"detail": f'Method "{method}" not allowed.'}, 405), {}
        return None

    def count(self, method: str, name: str, status: int, seconds: float = 0.0) -> None:
        with self._counter_lock:
            self.counters[(method, name, status)] += 1
            self.handler_seconds[name] = self.handler_seconds.get(name, 0.0) + seconds

    def counter_rows(self) -> list[dict]:
        with self._counter_lock:
            return [{"method": m, "route": r, "status": s, "count": c} for (m, r, s), c in sorted(self.counters.items())]

    def stats(self) -> dict:
        with self._counter_lock:
            api = sum(count for (_, route, _), count in self.counters.items() if not route.startswith("_emulator"))
            return {"api_requests": api, "events_served": self.events_served}

    def reset_counters(self) -> None:
        with self._counter_lock:
            self.counters.clear()
            self.handler_seconds.clear()
            self.events_served = 0

    def authorise(self, request: Request) -> Response | None:
        if self.faults.tick_token_expiry():
            self.tokens.expire_access_tokens()
        if self.faults.take("unauthorized_requests"):
            return json_response({"detail": "Invalid token."}, 401)
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return json_response({"detail": "Authentication credentials were not provided."}, 401)
        if not self.tokens.valid(header[len("Bearer "):].strip()):
            return json_response({"detail": "Invalid token."}, 401)
        return None

    # --- OAuth2 ---------------------------------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        form = request.form()
        grant_type = form.get("grant_type")
        if grant_type == "client_credentials":
            client_id, client_secret = _basic_credentials(request.headers.get("Authorization", ""))
            if client_id is None or not self.tokens.credentials_valid(client_id, client_secret or ""):
                return json_response({"error": "invalid_client", "error_description": "Invalid client credentials"}, 401)
            return json_response(self.tokens.issue().body())
        if grant_type == "refresh_token":
            refused = self.faults.take("refuse_refresh_requests")
            grant = None if refused else self.tokens.refresh(form.get("refresh_token", ""))
            if grant is None:
                return json_response({"error": "invalid_grant", "error_description": "Refresh token expired or invalid"}, 401)
            return json_response(grant.body())
        return json_response({"error": "unsupported_grant_type"}, 400)

    # --- events ---------------------------------------------------------------------------------------------

    def _stream_page(self, request: Request, page_of: Callable[..., dict]) -> Response:
        page = page_of(checkpoint=int_param(request, "from", None, 0),
                       limit=int_param(request, "limit", 500, 1, MAX_EVENTS_LIMIT) or 500,
                       gte=time_param(request, "event_timestamp_gte"), lte=time_param(request, "event_timestamp_lte"))
        with self._counter_lock:
            self.events_served += len(page["events"])
        return json_response(page)

    def audit_events(self, request: Request) -> Response:
        """GET /events/audits: `from`, `limit`, `event_timestamp_gte/lte`, `user_id`, `event_object`, `event_action`."""
        user_id, event_object = int_param(request, "user_id"), request.param("event_object")
        event_action = request.param("event_action")
        return self._stream_page(request, lambda **paging: self.world.audit_page(
            **paging, user_id=user_id, event_object=event_object, event_action=event_action))

    def scoring_events(self, request: Request) -> Response:
        """GET /events/entity_scoring: `type` (host or account, required), `from`, `limit`, `event_timestamp_gte/lte`;
        `include_score_decreases` is accepted (every score event is served)."""
        entity_type = choice_param(request, "type", ["host", "account"])
        if entity_type is None:
            raise ApiError(400, "type is required and must be one of: account, host")
        bool_param(request, "include_score_decreases", False)
        return self._stream_page(request, lambda **paging: self.world.scoring_page(str(entity_type), **paging))

    def lockdown(self, request: Request) -> Response:
        """GET /lockdown: the entities locked down now (a list, no paging); `type` filters."""
        return json_response(self.world.lockdown_list(choice_param(request, "type", ["host", "account"])))

    def events(self, request: Request) -> Response:
        ordering = choice_param(request, "ordering", ["id", "-id"]) or "id"
        query = EventQuery(
            checkpoint=int_param(request, "from", None, 0),
            limit=int_param(request, "limit", 500, 1, MAX_EVENTS_LIMIT) or 500,
            gte=time_param(request, "event_timestamp_gte"),
            lte=time_param(request, "event_timestamp_lte"),
            types=set(csv_param(request, "type", ["account", "host"]) or []) or None,
            detection_id=int_param(request, "detection_id"),
            include_info_category=bool(bool_param(request, "include_info_category", False)),
            include_triaged=bool(bool_param(request, "include_triaged", False)),
            descending=ordering.startswith("-"),
            detailed=choice_param(request, "size", ["detailed", "basic"]) == "detailed",
            change_types=_set_or_none(csv_param(request, "change_type",
                                                ["new", "append", "adjust", "investigation_status", "state", "triage"])),
            investigation_statuses=_set_or_none(csv_param(request, "investigation_status", INVESTIGATION_STATUSES)),
            unresolved_priority=bool_param(request, "unresolved_priority"),
        )
        page = self.world.query_events(query)
        bodies = [self._served_event(event, query.detailed) for event in page.events]
        with self._counter_lock:
            self.events_served += len(bodies)
        duplicates = self.faults.duplicate_events
        if duplicates and query.checkpoint is not None and not query.descending:
            bodies = self._events_before(query, duplicates) + bodies
        payload = (b'{"events":[' + b",".join(bodies) + b'],"next_checkpoint":' + str(page.next_checkpoint).encode()
                   + b',"remaining_count":' + str(page.remaining_count).encode() + b"}")
        return Response(200, payload)

    def _events_before(self, query: EventQuery, count: int) -> list[bytes]:
        earlier = [e for e in self.world.events if e.id <= (query.checkpoint or 0)][-count:]
        return [self._served_event(event, query.detailed) for event in earlier]

    def _served_event(self, event: Any, detailed: bool) -> bytes:
        body = event.detailed if detailed else event.basic
        if self.faults.malformed_events and event.id % 5 == 0:
            return malformed(body, event.id)
        return body

    # --- detections -----------------------------------------------------------------------------------------

    def detections_list(self, request: Request) -> Response:
        category = choice_param(request, "detection_category", list(CATEGORY_BY_FILTER))
        filters = {
            "id": csv_int_param(request, "id"),
            "state": choice_param(request, "state", DETECTION_STATES),
            "detection_category": CATEGORY_BY_FILTER[category] if category else None,
            "detection_type": request.param("detection_type"),
            "detection": request.param("detection"),
            "description": request.param("description"),
            "type": choice_param(request, "type", ["host", "account"]),
            "entity_id": int_param(request, "entity_id"),
            "host_id": int_param(request, "host_id"),
            "reason": choice_param(request, "reason", CLOSE_REASONS),
            "is_triaged": bool_param(request, "is_triaged"),
            "include_info_category": bool_param(request, "include_info_category", True),
            "tags": csv_param(request, "tags"),
            "created_timestamp_gte": time_param(request, "created_timestamp_gte"),
            "created_timestamp_lte": time_param(request, "created_timestamp_lte"),
            "last_timestamp_gte": time_param(request, "last_timestamp_gte") or time_param(request, "last_timestamp"),
            "last_timestamp_lte": time_param(request, "last_timestamp_lte"),
            "min_id": int_param(request, "min_id"),
            "max_id": int_param(request, "max_id"),
            "threat_gte": int_param(request, "threat_gte"),
            "certainty_gte": int_param(request, "certainty_gte"),
            "src_ip": request.param("src_ip"),
            "investigation_status": csv_param(request, "investigation_status", INVESTIGATION_STATUSES),
            "ordering": request.param("ordering"),
        }
        return paginate(request, self.world.list_detections(filters))

    def detection_get(self, request: Request, id: str) -> Response:
        with self.world.lock:
            return json_response(self.world.detection_object(self.world.detection(int(id))))

    def detections_patch(self, request: Request) -> Response:
        body = request.json()
        ids = id_list(body)
        status, reference = body.get("investigation_status"), body.get("external_reference_id")
        if status is None and reference is None:
            raise ApiError(400, "Provide investigation_status or external_reference_id.")
        if status is not None and status not in INVESTIGATION_STATUSES:
            raise ApiError(400, f"investigation_status: {status!r} is not a valid choice; valid choices: "
                                f"{', '.join(INVESTIGATION_STATUSES)}.")
        if reference is not None and not isinstance(reference, str):
            raise ApiError(400, "external_reference_id: a string is required.")
        self._require_detections(ids)
        updated = self.world.update_detections(ids, status, reference)
        what = "investigation status" if status is not None else "external reference id"
        return json_response({"_meta": {"level": "Success", "message": f"Successfully updated {what} for "
                                                                       f"{len(updated)} detection(s)"}})

    def _require_detections(self, ids: list[int]) -> None:
        missing = [i for i in ids if i not in self.world.detections]
        if missing:
            raise ApiError(404, f"Detection(s) not found: {missing}",
                           {"_meta": {"level": "errors", "message": f"Detection(s) not found: {missing}"}})

    def detections_close(self, request: Request) -> Response:
        body = request.json()
        ids = id_list(body)
        reason = body.get("reason")
        if reason not in CLOSE_REASONS:
            raise ApiError(400, f"reason: {reason!r} is not a valid choice; valid choices: benign, remediated.")
        self._require_detections(ids)
        self.world.close_detections(ids, reason)
        return json_response({"_meta": {"level": "Success", "message": "Successfully closed detections"}})

    def detections_open(self, request: Request) -> Response:
        ids = id_list(request.json())
        self._require_detections(ids)
        self.world.open_detections(ids)
        return json_response({"_meta": {"level": "Success", "message": "Successfully re-opened detections"}})

    def pcap(self, request: Request, id: str) -> Response:
        name, data = self.world.pcap(_int_id(id))
        return Response(200, data, "application/vnd.tcpdump.pcap", {"Content-Disposition": f'attachment; filename="{name}"'})

    # --- notes and tags (detections and entities share these handlers) --------------------------------------

    def _owner(self, request: Request, id: str) -> tuple[str, int, str | None]:
        kind = "detection" if "/detections/" in request.path or "/tagging/detection/" in request.path else "entity"
        entity_type = required_type(request) if kind == "entity" else None
        return kind, _int_id(id), entity_type

    def notes_list(self, request: Request, id: str) -> Response:
        kind, object_id, entity_type = self._owner(request, id)
        return json_response(self.world.list_notes(kind, object_id, entity_type))

    def note_add(self, request: Request, id: str) -> Response:
        kind, object_id, entity_type = self._owner(request, id)
        note = self.world.add_note(kind, object_id, request.json().get("note"), API_CLIENT_ACTOR["username"], entity_type)
        return json_response(note, 201)

    def note_update(self, request: Request, id: str, note: str) -> Response:
        kind, object_id, entity_type = self._owner(request, id)
        updated = self.world.update_note(kind, object_id, _int_id(note), request.json().get("note"),
                                         API_CLIENT_ACTOR["username"], entity_type)
        return json_response(updated)

    def note_delete(self, request: Request, id: str, note: str) -> Response:
        kind, object_id, entity_type = self._owner(request, id)
        self.world.delete_note(kind, object_id, _int_id(note), entity_type)
        return Response(204)

    def tags_get(self, request: Request, id: str) -> Response:
        kind, object_id, entity_type = self._owner(request, id)
        try:
            tags = self.world.get_tags(kind, object_id, entity_type)
        except ApiError as error:
            return json_response({"status": "failure", "message": error.body.get("detail", "Unknown server error")},
                                 error.status)
        return json_response({"status": "success", "tag_id": str(object_id), "tags": tags})

    def tags_patch(self, request: Request, id: str) -> Response:
        kind, object_id, entity_type = self._owner(request, id)
        tags = request.json().get("tags")
        if not isinstance(tags, list):
            return json_response({"status": "failure", "message": "Invalid field(s) found", "invalid_tags": []}, 400)
        invalid = [tag for tag in tags if not isinstance(tag, str) or not TAG_PATTERN.match(tag)]
        if invalid:
            return json_response({"status": "failure", "message": "Invalid field(s) found", "invalid_tags": invalid}, 400)
        try:
            stored = self.world.replace_tags(kind, object_id, list(dict.fromkeys(tags)), entity_type)
        except ApiError as error:
            return json_response({"status": "failure", "message": error.body.get("detail", "Unknown server error")},
                                 error.status)
        return json_response({"status": "success", "tag_id": str(object_id), "tags": stored})

    # --- entities -------------------------------------------------------------------------------------------

    def entities_list(self, request: Request) -> Response:
        filters = {
            "type": choice_param(request, "type", ["host", "account"]),
            "is_prioritized": bool_param(request, "is_prioritized"),
            "state": choice_param(request, "state", ["active", "inactive"]),
            "name": request.param("name"),
            "tags": csv_param(request, "tags"),
            "ordering": request.param("ordering"),
            "last_detection_timestamp_gte": time_param(request, "last_detection_timestamp_gte"),
            "last_detection_timestamp_lte": time_param(request, "last_detection_timestamp_lte"),
            "last_modified_timestamp_gte": time_param(request, "last_modified_timestamp_gte"),
            "last_modified_timestamp_lte": time_param(request, "last_modified_timestamp_lte"),
            "note_modified_timestamp_gte": time_param(request, "note_modified_timestamp_gte"),
        }
        return paginate(request, self.world.list_entities(filters))

    def entity_get(self, request: Request, id: str) -> Response:
        with self.world.lock:
            return json_response(self.world.entity_object(self.world.entity(required_type(request), _int_id(id))))

    def entity_patch(self, request: Request, id: str) -> Response:
        body = request.json()
        changes = {key: body[key] for key in ("external_reference_id", "unresolved_priority") if key in body}
        if not changes:
            raise ApiError(400, "Provide external_reference_id or unresolved_priority.")
        return json_response(self.world.update_entity(required_type(request), _int_id(id), changes))

    # --- assignments ----------------------------------------------------------------------------------------

    def assignments_list(self, request: Request) -> Response:
        filters = {
            "accounts": csv_int_param(request, "accounts"),
            "hosts": csv_int_param(request, "hosts"),
            "assignees": csv_int_param(request, "assignees"),
            "resolution": int_param(request, "resolution"),
            "resolved": bool_param(request, "resolved"),
            "created_after": time_param(request, "created_after"),
        }
        return paginate(request, self.world.list_assignments(filters))

    def assignment_create(self, request: Request) -> Response:
        body = request.json()
        user_id = _body_int(body, "assign_to_user_id")
        if "assign_host_id" in body:
            entity_type, entity_id = "host", _body_int(body, "assign_host_id")
        elif "assign_account_id" in body:
            entity_type, entity_id = "account", _body_int(body, "assign_account_id")
        else:
            raise ApiError(400, "Provide assign_host_id or assign_account_id.")
        return json_response({"assignment": self.world.create_assignment(user_id, entity_type, entity_id, API_CLIENT_ACTOR)}, 201)

    def assignment_update(self, request: Request, id: str) -> Response:
        user_id = _body_int(request.json(), "assign_to_user_id")
        return json_response({"assignment": self.world.reassign(_int_id(id), user_id, API_CLIENT_ACTOR)})

    def assignment_resolve(self, request: Request, id: str) -> Response:
        body = request.json()
        outcome = _body_int(body, "outcome")
        triage_as = body.get("triage_as")
        detection_ids = body.get("detection_ids") or []
        if triage_as and not detection_ids:
            raise ApiError(400, "detection_ids: required when triage_as is given.")
        resolved = self.world.resolve_assignment(_int_id(id), outcome, body.get("note"), triage_as,
                                                 [int(i) for i in detection_ids], API_CLIENT_ACTOR)
        return json_response({"assignment": resolved})

    def assignment_delete(self, request: Request, id: str) -> Response:
        self.world.delete_assignment(_int_id(id))
        return Response(204)

    def outcomes_list(self, request: Request) -> Response:
        with self.world.lock:
            return paginate(request, [dict(o) for o in sorted(self.world.outcomes.values(), key=lambda o: o["id"])])

    def outcome_create(self, request: Request) -> Response:
        body = request.json()
        title, category = body.get("title"), body.get("category")
        if not isinstance(title, str) or not title.strip():
            raise ApiError(400, "title: this field is required.")
        if category not in OUTCOME_CATEGORIES:
            raise ApiError(400, f"category: valid choices: {', '.join(OUTCOME_CATEGORIES)}.")
        return json_response(self.world.add_outcome(title, category), 201)

    # --- groups, users, investigations ----------------------------------------------------------------------

    def groups_list(self, request: Request) -> Response:
        filters = {
            "type": choice_param(request, "type", ["host", "account", "ip", "domain"]),
            "importance": choice_param(request, "importance", ["high", "medium", "low", "never_prioritize"]),
            "name": request.param("name"),
            "description": request.param("description"),
            "last_modified_by": request.param("last_modified_by"),
            "host_ids": csv_param(request, "host_ids"),
            "host_names": csv_param(request, "host_names"),
            "account_names": csv_param(request, "account_names"),
            "ips": csv_param(request, "ips"),
            "domains": csv_param(request, "domains"),
            "include_members": bool_param(request, "include_members", True),
        }
        return paginate(request, self.world.list_groups(filters))

    def group_get(self, request: Request, id: str) -> Response:
        with self.world.lock:
            return json_response(self.world.group_object(self.world.group(_int_id(id))))

    def group_patch(self, request: Request, id: str) -> Response:
        body = request.json()
        if "members" not in body:
            raise ApiError(400, "members: this field is required.")
        return json_response(self.world.replace_group_members(_int_id(id), body["members"]))

    def users_list(self, request: Request) -> Response:
        filters = {
            "email": request.param("email"),
            "role": choice_param(request, "role", list(USER_ROLES)),
            "last_login_gte": time_param(request, "last_login_gte"),
        }
        return paginate(request, self.world.list_users(filters))

    def investigation_submit(self, request: Request) -> Response:
        body = request.json()
        query = body.get("query")
        if not isinstance(query, str) or not query.strip():
            raise ApiError(400, "query: this field is required.")
        return json_response(self.world.submit_investigation(query, body.get("version")))

    def investigation_get(self, request: Request, id: str) -> Response:
        page = int_param(request, "page", 1, 1) or 1
        page_size = int_param(request, "page_size", 50, 1, MAX_PAGE_SIZE) or 50
        return json_response(self.world.investigation_results(id, page, page_size))

    # --- admin ----------------------------------------------------------------------------------------------

    def admin_reset_counters(self, request: Request) -> Response:
        self.reset_counters()
        return json_response({"ok": True})

    def admin_faults(self, request: Request) -> Response:
        body = request.json()
        if body.pop("expire_tokens_now", False):
            self.tokens.expire_access_tokens()
        if body.pop("expire_refresh_tokens_now", False):
            self.tokens.expire_refresh_tokens()
        if body.pop("clear", False):
            self.faults.clear()
        try:
            return json_response(self.faults.configure(**body))
        except (ValueError, TypeError) as error:
            raise ApiError(400, str(error)) from None

    def admin_world_summary(self, request: Request) -> Response:
        with self.world.lock:
            return json_response({"entities": len(self.world.entities), "detections": len(self.world.detections),
                                  "events": len(self.world.events), "latest_event_id": self.world.latest_event_id()})

    def admin_world_action(self, request: Request) -> Response:
        body = request.json()
        action = body.pop("action", None)
        actions: dict[str, Callable[..., Any]] = {
            "add_detections": self.world.add_detections,
            "add_observations": self.world.add_observations,
            "set_status": self.world.analyst_set_status,
            "close": self.world.close_detections,
            "open": self.world.open_detections,
            "add_note": self.world.analyst_add_note,
            "add_huge_note": self.world.add_huge_note,
            "set_urgency": self.world.set_entity_urgency,
            "triage": self.world.triage_detections,
            "make_inactive": self.world.make_inactive,
            "advance_clock": self.world.advance_clock,
            "lock": self.world.lock_entity,
            "unlock": self.world.unlock_entity,
            "set_health": self.world.set_health,
        }
        if action not in actions:
            raise ApiError(400, f"action: one of {', '.join(sorted(actions))} is required.")
        try:
            return json_response({"result": actions[action](**body)})
        except TypeError as error:
            raise ApiError(400, f"{action}: {error}") from None


def _set_or_none(values: list[str] | None) -> set[str] | None:
    return set(values) if values else None


def _int_id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ApiError(404, "Not found.") from None


def _body_int(body: dict, name: str) -> int:
    try:
        return int(body[name])
    except KeyError:
        raise ApiError(400, f"{name}: this field is required.") from None
    except (TypeError, ValueError):
        raise ApiError(400, f"{name}: a valid integer is required.") from None


def _basic_credentials(header: str) -> tuple[str | None, str | None]:
    if not header.startswith("Basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[len("Basic "):]).decode()
    except ValueError:
        return None, None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def malformed(body: bytes, event_id: int) -> bytes:
    """A damaged copy of an event: keeps its id and detection, breaks other fields three different ways."""
    event = json.loads(body)
    variant = (event_id // 5) % 3
    if variant == 0:  # missing fields
        for key in ("entity_name", "category", "detail", "summary", "detection_type", "src_host", "src_account"):
            event.pop(key, None)
    elif variant == 1:  # nulls
        for key in ("tags", "notes", "mitre", "summary", "src_host", "src_account", "entity_uid", "url", "detail"):
            if key in event:
                event[key] = None
    else:  # wrong types
        event.update(threat="high", severity=str(event.get("severity")), detection_id=str(event["detection_id"]),
                     event_timestamp="not-a-date", is_prioritized="yes")
        if "tags" in event:
            event["tags"] = ",".join(event["tags"] or [])
    return json.dumps(event, ensure_ascii=False).encode()


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    api: Api

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class VectraHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EmulatorHTTPServer
    server_version = "VectraEmulator/3.5"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        api = self.server.api
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, split.path, parse_qs(split.query, keep_blank_values=True), self.headers, body,
                          self.server.base_url)
        matched = api.match(self.command, split.path)
        name = matched[0] if matched else "unknown"
        is_admin = name.startswith("_emulator")
        if not is_admin:
            if api.faults.latency_ms:
                time.sleep(api.faults.latency_ms / 1000)
            if api.faults.take("drop_connections"):
                api.count(self.command, name, 0)
                self._drop()
                return
            if api.faults.take("slow_requests"):
                time.sleep(api.faults.slow_s)
        started = time.perf_counter()
        response = self._respond(api, request, matched, is_admin)
        self._write(response)
        api.count(self.command, name, response.status, time.perf_counter() - started)

    def _respond(self, api: Api, request: Request, matched: Any, is_admin: bool) -> Response:
        if not is_admin:
            if api.faults.take("rate_limit_requests"):
                return Response(429, b'{"detail": "Request was throttled."}',
                                headers={"Retry-After": str(api.faults.retry_after_s)})
            if api.faults.take("server_error_requests"):
                status = api.faults.server_error_status
                return Response(status, f'{{"detail": "Server error {status}"}}'.encode())
        if matched is None:
            return json_response({"detail": "Not found."}, 404)
        name, handler, groups = matched
        if not is_admin and name != "oauth2/token":
            denied = api.authorise(request)
            if denied is not None:
                return denied
        try:
            if is_admin or name == "oauth2/token":
                return handler(request, **groups)
            with acting_as(api_client(api.tokens.client_id, self.client_address[0])):  # what the audit log records
                return handler(request, **groups)
        except ApiError as error:
            return json_response(error.body, error.status)
        except Exception as error:  # a bug in the emulator: answer like a server would, and keep it for the tests
            api.internal_errors.append(f"{request.method} {request.path}: {error!r}")
            return json_response({"detail": "Internal server error"}, 500)

    def _write(self, response: Response) -> None:
        self.send_response(response.status)
        if response.body or response.status != 204:
            self.send_header("Content-Type", response.content_type)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body:
            self.wfile.write(response.body)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
