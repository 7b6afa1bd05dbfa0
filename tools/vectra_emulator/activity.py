"""What the emulated tenant records besides detection events, for the XSIAM collector's other streams: the audit log
(who changed what: tags, notes, statuses, closes, external references, assignments, logins), entity scoring events
(an entity's score each time its detections change it), the entities in lockdown, and the system health.

The world calls in at the moment Vectra would record each thing, so the streams stay consistent with the detection
events: a tag the pack adds through the API is one `adjust` detection event and one audit entry made by the API
client. Who acts is the `actor` of the current request (the server sets it for API calls); changes made through
the Python handle, the admin endpoint or the generated history are a Vectra analyst's.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tools.vectra_emulator.health import HealthState
    from tools.vectra_emulator.world import Detection, Entity

UI_VERSION = "202510.2.0"  # the Vectra UI release an audit entry records (`version`)


@dataclass(frozen=True)
class Actor:
    """Who makes a change, as the audit log records it."""

    user_id: int
    username: str
    user_type: str
    role: str
    source_ip: str
    api_client_id: str | None = None


VECTRA_ANALYST = Actor(20, "vectra.analyst", "JWT", "Security Analyst", "10.1.1.20")
_actor: contextvars.ContextVar[Actor] = contextvars.ContextVar("actor", default=VECTRA_ANALYST)


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def api_client(client_id: str, source_ip: str) -> Actor:
    return Actor(90, client_id, "API_CLIENT", "Security Analyst", source_ip, api_client_id=client_id)


def severity_of(urgency: int) -> str:
    return "Critical" if urgency >= 80 else "High" if urgency >= 50 else "Medium" if urgency >= 30 else "Low"


@dataclass
class Activity:
    """The four streams of one tenant. Event ids of each stream start at 1 and only grow."""

    ui_url: Any  # World.ui_url
    audits: list[dict] = field(default_factory=list)
    scoring: list[dict] = field(default_factory=list)
    lockdown: dict[tuple[str, int], dict] = field(default_factory=dict)
    health: HealthState | None = None  # what GET /health says (health.py)
    _next_lockdown_id: int = 1

    # --- the audit log ------------------------------------------------------------------------------------------

    def audit(self, stamp: str, event_object: str, event_action: str, message: str, event_data: dict | None = None,
              result: str = "success") -> dict:
        actor = _actor.get()
        entry = {
            "id": len(self.audits) + 1, "user_id": actor.user_id, "username": actor.username,
            "user_type": actor.user_type, "api_client_id": actor.api_client_id, "user_role": actor.role,
            "version": UI_VERSION, "source_ip": actor.source_ip, "event_timestamp": stamp, "message": message,
            "result_status": result, "event_data": event_data or {}, "event_object": event_object,
            "event_action": event_action,
        }
        self.audits.append(entry)
        return entry

    def tags_changed(self, kind: str, object_id: int, before: list[str], after: list[str], stamp: str) -> None:
        """Detection tags: one entry per tag added or removed. Entity tags: one entry for the new list, as Vectra
        records a change of an account's or host's tags (its table and id, the lists before and after)."""
        if kind != "detection":
            if before != after:
                table = "linked_account" if kind == "account" else kind
                self.audit(stamp, f"{kind}_tags", "updated",
                           f"[table:{table}][id:{object_id}] with tags {before!r} was changed to {after!r}")
            return
        for tag in sorted(set(after) - set(before)):
            self.audit(stamp, "detection_tag", "created", f"Tag {tag} has been added to detections with ids [{object_id}]",
                       {"detection_tag": {"tag": tag, "detection_id": str(object_id)}})
        for tag in sorted(set(before) - set(after)):
            self.audit(stamp, "detection_tag", "deleted",
                       f"Tag {tag} has been removed from detections with ids [{object_id}]",
                       {"detection_tag": {"tag": tag, "detection_id": str(object_id)}})

    def note_changed(self, kind: str, object_id: int, note_id: int, action: str, stamp: str) -> None:
        self.audit(stamp, f"{kind}_note", action, f"Note {note_id} of {kind} {object_id} was {action}",
                   {f"{kind}_note": {"note_id": str(note_id), f"{kind}_id": str(object_id)}})

    def detection_changed(self, detection_id: int, action: str, message: str, stamp: str, **data: Any) -> None:
        self.audit(stamp, "detection", action, message, {"detection": {"detection_id": str(detection_id), **data}})

    def login(self, stamp: str) -> None:
        self.audit(stamp, "user_session", "login", f"User {_actor.get().username} logged in")

    # --- entity scoring -----------------------------------------------------------------------------------------

    def score(self, entity: Entity, detections: list[Detection], last: Detection | None, stamp: str,
              reason: str) -> dict:
        """The entity's score now, after a change of its detections (creation, close, reopen) or of its urgency."""
        active = [d for d in detections if d.state != "fixed"]
        types = sorted({d.detection_type for d in active})
        event = {
            "id": len(self.scoring) + 1, "entity_id": entity.id, "name": entity.name, "type": entity.type,
            "breadth_contrib": min(100, 10 * len(types)), "importance": entity.importance,
            "velocity_contrib": min(100, 5 * len(active)), "is_prioritized": entity.is_prioritized,
            "severity": severity_of(entity.urgency_score), "urgency_score": entity.urgency_score,
            "urgency_reason": reason, "attack_rating": entity.urgency_score // 10, "active_detection_types": types,
            "category": f"{entity.type.upper()} SCORING", "event_timestamp": stamp,
            "url": self.ui_url(f"{entity.type}s/{entity.id}"),
            "last_detection": ({"id": last.id, "type": last.detection_type, "url": self.ui_url(f"detections/{last.id}")}
                               if last else {"id": None, "type": "", "url": None}),
        }
        self.scoring.append(event)
        return event

    # --- lockdown ----------------------------------------------------------------------------------------------------

    def lock(self, entity: Entity, stamp: str, until: str, certainty: int = 80) -> dict:
        entry = {"id": self._next_lockdown_id, "type": entity.type, "entity_id": entity.id, "entity_name": entity.name,
                 "lock_event_timestamp": stamp, "unlock_event_timestamp": until, "locked_by": _actor.get().username,
                 "certainty": certainty}
        self._next_lockdown_id += 1
        self.lockdown[(entity.type, entity.id)] = entry
        self.audit(stamp, f"{entity.type}_lockdown", "created", f"{entity.type.capitalize()} {entity.name} was locked down")
        return entry

    def unlock(self, entity: Entity, stamp: str) -> None:
        if self.lockdown.pop((entity.type, entity.id), None) is not None:
            self.audit(stamp, f"{entity.type}_lockdown", "deleted", f"{entity.type.capitalize()} {entity.name} was unlocked")

    # --- serving ------------------------------------------------------------------------------------------------

    @staticmethod
    def page(events: list[dict], checkpoint: int | None, limit: int, gte: str | None = None, lte: str | None = None,
             **equal: Any) -> dict:
        """A page of a stream as Vectra serves it: events with id > `from` in id order, filtered; `next_checkpoint`
        is the last id served (`from` when none), `remaining_count` what matches after the page."""
        start = checkpoint or 0
        matched = [event for event in events[start:] if (gte is None or event["event_timestamp"] >= gte)
                   and (lte is None or event["event_timestamp"] <= lte)
                   and all(value is None or event.get(key) == value for key, value in equal.items())]
        served = matched[:limit]
        return {"events": served, "next_checkpoint": served[-1]["id"] if served else start,
                "remaining_count": len(matched) - len(served)}


def serialised(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()
