"""The emulated Vectra tenant: entities, detections and the events stream, with state that changes.

Every change to a detection appends an event to the stream, with a monotonically increasing id and the
`change_type` the real platform uses (`new`, `append`, `adjust`, `investigation_status`, `state`, `triage`).
An event is a snapshot of the detection and its entity at that moment; it is serialised once when appended, so
serving a page of a thousand events is a byte join. The world is generated from a seed: the same seed, size and
start time give the same tenant.

All access goes through one re-entrant lock: HTTP handler threads and test code share the world safely.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import random
import re
import struct
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from tools.vectra_emulator.activity import Activity
from tools.vectra_emulator.catalog import (
    AWS_ACCOUNT,
    BUILTIN_OUTCOMES,
    CATEGORIES,
    CLOSE_REASONS,
    DOMAINS,
    FIRST_NAMES,
    HOST_ROLES,
    IMPORTANCE_NAMES,
    MITRE_BY_CATEGORY,
    PRIORITY_THRESHOLD,
    PROTOCOLS,
    SENSORS,
    UNICODE_SUFFIXES,
    USER_ROLES,
    external_ip,
)
from tools.vectra_emulator.health import Brain, health_state, make_brain

TAG_PATTERN = re.compile(r"^[\w:._ -]{1,128}$")
MAX_NOTE_LENGTH = 8000
FIRST_EVENT_ID = 100_000
FIRST_DETECTION_ID = 1_000


class ApiError(Exception):
    """A request the API refuses: rendered as `status` with a DRF-style `{"detail": ...}` body (or `body`)."""

    def __init__(self, status: int, detail: str, body: dict | None = None):
        super().__init__(detail)
        self.status = status
        self.body = body if body is not None else {"detail": detail}


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str, name: str) -> datetime:
    try:
        text = value.strip().replace("Z", "+00:00")
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"Invalid value for {name}: {value!r} is not an ISO 8601 timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass
class Entity:
    id: int
    type: str
    name: str
    uid: str
    urgency_score: int
    importance: int
    ip: str | None = None
    state: str = "active"
    unresolved_priority: bool = False
    tags: list[str] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    external_reference_id: str | None = None
    privilege_level: int | None = None
    privilege_category: str | None = None
    sensors: list[str] = field(default_factory=list)
    attack_profile: str | None = None
    last_detection_timestamp: str | None = None
    last_modified_timestamp: str | None = None
    detection_ids: list[int] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int]:
        return self.type, self.id

    @property
    def is_prioritized(self) -> bool:
        return self.urgency_score >= PRIORITY_THRESHOLD


@dataclass
class Detection:
    id: int
    entity: Entity
    category: str
    detection_type: str
    created: str
    threat: int
    certainty: int
    severity: int
    mitre: list[str]
    data_source: dict
    state: str = "active"
    investigation_status: str = "open"
    reason: str | None = None
    triaged: bool = False
    triage_rule_id: int | None = None
    tags: list[str] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    external_reference_id: str | None = None
    first_timestamp: str = ""
    last_timestamp: str = ""
    num_events: int = 1
    summary: dict = field(default_factory=dict)
    detail: dict = field(default_factory=dict)
    dst_host: dict | None = None
    dst_account: dict | None = None
    dst_domain: dict | None = None
    src_external_host: str | None = None
    process_context_data: dict | None = None
    has_pcap: bool = False


@dataclass
class StoredEvent:
    """An event as served: pre-serialised detailed and basic forms, plus the attributes the filters read."""

    id: int
    detection_id: int
    entity_key: tuple[str, int]
    entity_type: str
    timestamp: str
    change_type: str
    investigation_status: str
    category: str
    triaged: bool
    detailed: bytes
    basic: bytes


@dataclass
class EventQuery:
    checkpoint: int | None = None
    limit: int = 500
    gte: str | None = None
    lte: str | None = None
    types: set[str] | None = None
    detection_id: int | None = None
    include_info_category: bool = False
    include_triaged: bool = False
    descending: bool = False
    detailed: bool = False
    change_types: set[str] | None = None
    investigation_statuses: set[str] | None = None
    unresolved_priority: bool | None = None


@dataclass
class EventPage:
    events: list[StoredEvent]
    next_checkpoint: int
    remaining_count: int


class World:
    def __init__(self, seed: int = 1, base_url: str = "http://127.0.0.1", now: datetime | None = None,
                 unicode_names: bool = False, timestamp_jitter_s: int = 0):
        self.rng = random.Random(seed)
        self.seed = seed
        self.base_url = base_url.rstrip("/")
        self.lock = threading.RLock()
        self.unicode_names = unicode_names
        self.timestamp_jitter_s = timestamp_jitter_s
        self._clock_offset = timedelta(0)
        self._fixed_now = now
        self.entities: dict[tuple[str, int], Entity] = {}
        self.detections: dict[int, Detection] = {}
        self.events: list[StoredEvent] = []
        self._event_ids: list[int] = []
        self._events_by_detection: dict[int, list[int]] = {}
        self.users: list[dict] = []
        self.groups: dict[int, dict] = {}
        self.assignments: dict[int, dict] = {}
        self.outcomes: dict[int, dict] = {outcome["id"]: dict(outcome) for outcome in BUILTIN_OUTCOMES}
        self.investigations: dict[str, dict] = {}
        self.investigation_running_polls = 1  # polls answered `running` before a query completes
        self._next_event_id = FIRST_EVENT_ID
        self._next_detection_id = FIRST_DETECTION_ID
        self._next_note_id = 1
        self._next_assignment_id = 1
        self._next_outcome_id = 100
        self.activity = Activity(ui_url=self.ui_url)  # audits, entity scoring, lockdown, health
        self._brain: Brain | None = None  # the appliance whose health GET /health reports
        self._health_changes = 0

    # --- clock and URLs -------------------------------------------------------------------------------------

    def now(self) -> datetime:
        base = self._fixed_now or datetime.now(timezone.utc)
        return base + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        with self.lock:
            self._clock_offset += timedelta(seconds=seconds)

    def api_url(self, path: str) -> str:
        return f"{self.base_url}/api/v3.5/{path}"

    def ui_url(self, path: str) -> str:
        return f"{self.base_url}/{path}"

    # --- generation -----------------------------------------------------------------------------------------

    @classmethod
    def generate(cls, seed: int = 1, base_url: str = "http://127.0.0.1", entities: int = 40, detections: int = 200,
                 events: int = 1000, now: datetime | None = None, history_hours: float = 72.0,
                 unicode_names: bool = False, timestamp_jitter_s: int = 0) -> World:
        """A tenant with `entities` hosts/accounts, `detections` detections and `events` events of history."""
        world = cls(seed, base_url, now, unicode_names, timestamp_jitter_s)
        with world.lock:
            world._generate_people()
            world._generate_entities(max(1, entities))
            world._generate_groups()
            world._generate_assignments()
            world._generate_history(max(0, detections), max(events, detections), history_hours)
            world._generate_activity(history_hours)
        return world

    def _generate_activity(self, history_hours: float) -> None:
        """Logins over the history, analysts' tags on entities, a few entities in lockdown, the system's
        health (its own random source, so a seed generates the same detections as before these streams existed)."""
        rng = random.Random(self.seed * 7919 + 1)
        start = self.now() - timedelta(hours=history_hours)

        def moment() -> datetime:
            return start + timedelta(seconds=rng.randint(0, max(1, int(history_hours * 3600) - 60)))

        for hour in range(0, int(history_hours), 4):
            self.activity.login(iso(start + timedelta(hours=hour, minutes=rng.randint(0, 59))))
        candidates = sorted(self.entities.values(), key=lambda e: (-e.urgency_score, e.key))
        for entity in candidates[:3]:
            locked = self.now() - timedelta(hours=rng.randint(1, 20))
            self.activity.lock(entity, iso(locked), iso(locked + timedelta(hours=24)))
        # the tags the entities were generated with: an analyst set them during the history
        for entity in sorted(self.entities.values(), key=lambda e: e.key):
            if entity.tags:
                self.activity.tags_changed(entity.type, entity.id, [], list(entity.tags), iso(moment()))
        self.set_health(sensor_down=False)
        self.activity.audits.sort(key=lambda entry: entry["event_timestamp"])  # the log is kept in time order
        for number, entry in enumerate(self.activity.audits, start=1):
            entry["id"] = number

    def _generate_people(self) -> None:
        roles = list(USER_ROLES.values())
        for index, name in enumerate(FIRST_NAMES[:12]):
            last_login = iso(self.now() - timedelta(hours=self.rng.randint(1, 500))) if index % 5 else None
            self.users.append({
                "id": 20 + index,
                "name": f"{name}.analyst",
                "email": f"{name}@corp.example" if index % 3 else "",
                "role": roles[index % len(roles)] if index else "Security Analyst",
                "last_login_timestamp": last_login,
                "last_login": last_login,
            })

    def _name(self, base: str) -> str:
        if self.unicode_names:
            return base + self.rng.choice(UNICODE_SUFFIXES)
        return base

    def _generate_entities(self, count: int) -> None:
        hosts = max(1, round(count * 0.6))
        for index in range(count):
            importance = self.rng.choice([0, 1, 1, 2])
            urgency = self.rng.choice([0, 10, 25, 40, 55, 70, 85, 95])
            if index < hosts:
                entity_id = 100 + index
                name = self._name(f"{self.rng.choice(FIRST_NAMES)}-{self.rng.choice(HOST_ROLES)}-{index:02d}")
                entity = Entity(id=entity_id, type="host", name=name, uid=name, urgency_score=urgency,
                                importance=importance, ip=f"10.{index // 200}.{(index // 10) % 20}.{index % 250 + 2}",
                                sensors=["sensor-1"], attack_profile=self.rng.choice([None, "Botnet", "External Adversary"]))
            else:
                entity_id = 100 + index - hosts
                person = self.rng.choice(FIRST_NAMES)
                kind = self.rng.choice(["O365", "AWS", "kerberos"])
                local = f"{AWS_ACCOUNT + index}/{person}" if kind == "AWS" else f"{person}.{index}@corp.example"
                uid = self._name(f"{kind}:{local}")
                entity = Entity(id=entity_id, type="account", name=uid, uid=uid, urgency_score=urgency, importance=importance,
                                privilege_level=self.rng.randint(1, 10),
                                privilege_category=self.rng.choice(["Low", "Medium", "High"]))
            entity.unresolved_priority = entity.is_prioritized
            entity.last_modified_timestamp = iso(self.now())
            if self.rng.random() < 0.25:
                entity.tags = [self.rng.choice(["vip", "lab", "contractor", "finance"])]
            self.entities[entity.key] = entity

    def _generate_history(self, detections: int, events: int, history_hours: float) -> None:
        start = self.now() - timedelta(hours=history_hours)
        span = timedelta(hours=history_hours) - timedelta(minutes=1)
        creations = sorted(start + span * self.rng.random() for _ in range(detections))
        timeline: list[tuple[datetime, int, str]] = [(moment, index, "new") for index, moment in enumerate(creations)]
        kinds = ["append"] * 60 + ["adjust"] * 18 + ["investigation_status"] * 16 + ["triage"] * 2 + ["state"] * 4
        for _ in range(events - detections):
            index = self.rng.randrange(detections) if detections else 0
            moment = creations[index] + (start + span - creations[index]) * self.rng.random()
            timeline.append((moment, index, self.rng.choice(kinds)))
        timeline.sort(key=lambda item: (item[0], item[2] != "new"))
        created: dict[int, Detection] = {}
        for moment, index, kind in timeline:
            if kind == "new":
                created[index] = self._create_detection(moment)
            elif index in created:
                self._apply_history_change(created[index], kind, moment)

    def _apply_history_change(self, detection: Detection, kind: str, moment: datetime) -> None:
        if kind == "append":
            self._observe(detection, moment)
        elif kind == "adjust":
            self._history_adjust(detection, moment)
        elif kind == "investigation_status":
            self._set_status(detection, self._next_status(detection.investigation_status), moment)
        elif kind == "triage" and not detection.triaged:
            self._triage(detection, moment)
        elif kind == "state":
            if detection.state == "fixed":
                self._reopen(detection, moment)
            else:
                self._close(detection, self.rng.choice(CLOSE_REASONS), moment)
        else:
            self._observe(detection, moment)

    def _next_status(self, current: str) -> str:
        flow = {
            "open": ["acknowledged", "escalated", "escalated", "paused"],
            "acknowledged": ["escalated", "paused", "closed"],
            "escalated": ["paused", "closed", "acknowledged"],
            "paused": ["open", "escalated"],
            "closed": ["open"],
            "expired": ["open"],
        }
        return self.rng.choice(flow.get(current, ["open"]))

    def _history_adjust(self, detection: Detection, moment: datetime) -> None:
        roll = self.rng.random()
        if roll < 0.5:
            entity = detection.entity
            entity.urgency_score = max(0, min(100, entity.urgency_score + self.rng.choice([-20, -10, 10, 20, 30])))
            entity.unresolved_priority = entity.unresolved_priority or entity.is_prioritized
            entity.last_modified_timestamp = iso(moment)
            self._append_event(detection, "adjust", moment)
            self._score(entity, detection, moment, "urgency changed")
        else:
            tag = self.rng.choice(["triage-me", "vip", "pentest", "known-scanner", "ticketed"])
            self._set_tags(detection, sorted(set(detection.tags) | {tag}), moment)

    def _generate_assignments(self) -> None:
        """About a quarter of the entities are assigned to an analyst; some of those assignments are resolved."""
        analysts = [user["id"] for user in self.users[1:6]]
        actor = {"id": self.users[0]["id"], "username": self.users[0]["name"]}
        for entity in sorted(self.entities.values(), key=lambda e: e.key):
            if self.rng.random() < 0.25:
                assignment = self.create_assignment(self.rng.choice(analysts), entity.type, entity.id, actor)
                if self.rng.random() < 0.3:
                    self.resolve_assignment(assignment["id"], self.rng.choice([1, 2, 3]), "handled", None, [], actor)

    def _generate_groups(self) -> None:
        hosts = [e for e in self.entities.values() if e.type == "host"]
        accounts = [e for e in self.entities.values() if e.type == "account"]
        stamp = iso(self.now() - timedelta(days=3))
        specs = [
            ("host", "Executive Machines", [h.id for h in hosts[:3]]),
            ("host", "Domain Controllers", [h.id for h in hosts[3:5]]),
            ("account", "Service Accounts", [a.uid for a in accounts[:3]]),
            ("ip", "Guest Wifi", ["10.200.0.1", "10.200.0.2"]),
            ("domain", "Approved SaaS", ["*.box.com", "*.dropbox.com"]),
            ("domain", "Pentest Infrastructure", ["*.pentest.example"]),
        ]
        for index, (kind, name, members) in enumerate(specs, start=1):
            rules = [{"triage_category": f"Expected {name} behaviour", "id": 170 + index, "description": f"{name} traffic"}]
            self.groups[index] = {
                "id": index, "name": name, "description": f"{name} group", "type": kind, "members": members,
                "rules": rules if index % 2 else [], "importance": ["high", "medium", "low", "never_prioritize"][index % 4],
                "cognito_managed": index == 4, "last_modified": stamp, "last_modified_by": "cognito",
                "is_regex": False,
            }

    # --- detections and events ------------------------------------------------------------------------------

    def _pick_entity(self, entity_type: str | None = None, prioritized: bool | None = None) -> Entity:
        candidates = [e for e in self.entities.values()
                      if (entity_type is None or e.type == entity_type)
                      and (prioritized is None or e.is_prioritized == prioritized)]
        if not candidates:
            raise ApiError(400, f"no entity matches type={entity_type} prioritized={prioritized}")
        return self.rng.choice(sorted(candidates, key=lambda e: e.key))

    def _create_detection(self, moment: datetime, entity: Entity | None = None, category: str | None = None,
                          investigation_status: str = "open") -> Detection:
        entity = entity or self._pick_entity()
        category = category or self.rng.choice(list(CATEGORIES) + ["command_and_control", "lateral_movement"])
        host_types, account_types = CATEGORIES[category][2], CATEGORIES[category][3]
        detection_type = self.rng.choice(host_types if entity.type == "host" else account_types)
        source = SENSORS[self.rng.randrange(2)] if entity.type == "host" else self.rng.choice(SENSORS[2:])
        stamp = iso(moment)
        detection = Detection(
            id=self._next_detection_id,
            entity=entity,
            category=category,
            detection_type=detection_type,
            created=stamp,
            threat=self.rng.choice([10, 20, 40, 60, 80, 90]),
            certainty=self.rng.choice([10, 30, 50, 70, 90]),
            severity=self.rng.randint(1, 9),
            mitre=list(MITRE_BY_CATEGORY[category]),
            data_source={"type": source[0], "sensor_name": source[1], "sensor_id": source[2]},
            investigation_status=investigation_status,
            first_timestamp=stamp,
            last_timestamp=stamp,
            has_pcap=entity.type == "host",
        )
        self._next_detection_id += 1
        detection.summary = {"ips": [], "domains": [], "hosts": [], "accounts": [], "ports": [], "external_targets": [],
                             "dns": [], "protocols": []}
        if entity.type == "host" and self.rng.random() < 0.3:
            detection.process_context_data = self._process_context(detection, moment)
        self.detections[detection.id] = detection
        entity.detection_ids.append(detection.id)
        self._record_observation(detection, moment)
        self._append_event(detection, "new", moment)
        return detection

    def _process_context(self, detection: Detection, moment: datetime) -> dict:
        return {"crowdstrike": {
            "date_created": iso(moment),
            "error_message": None,
            "query_status": "completed",
            "processes": [{
                "name": "powershell.exe", "command": "powershell -enc SQBFAFgA", "creation_time": iso(moment),
                "account": detection.entity.name, "process_id": 4120 + detection.id % 97, "parent_process_id": 812,
                "sha256_hash": hashlib.sha256(str(detection.id).encode()).hexdigest(),
                "md5_hash": hashlib.md5(str(detection.id).encode(), usedforsecurity=False).hexdigest(),
            }],
            "urls": {"investigate_entity_link": f"https://falcon.example/hosts/{detection.entity.id}",
                     "query_link": f"https://falcon.example/search/{detection.id}"},
        }}

    def _record_observation(self, detection: Detection, moment: datetime) -> None:
        """A new observation: cumulative summary grows, detail describes this observation."""
        rng = self.rng
        domain = rng.choice(DOMAINS)
        first, _, _, last = rng.randint(11, 223), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)
        ip = external_ip(first, last)
        port = rng.choice([22, 53, 80, 443, 445, 3389, 8443])
        summary = detection.summary
        for key, value in (("ips", ip), ("domains", domain), ("ports", port), ("dns", f"ns1.{domain}"),
                           ("external_targets", f"c2.{domain}"), ("protocols", rng.choice(PROTOCOLS))):
            if value not in summary[key]:
                summary[key].append(value)
        entity = detection.entity
        if entity.type == "host" and entity.name not in summary["hosts"]:
            summary["hosts"].append(entity.name)
        if entity.type == "account" and entity.name not in summary["accounts"]:
            summary["accounts"].append(entity.name)
        detection.src_external_host = ip if entity.type == "account" else None
        detection.dst_domain = {"domain": domain, "dns": f"ns1.{domain}", "external_target": f"c2.{domain}"}
        other = self._pick_entity()
        summary_of_other = self._entity_summary(other)
        detection.dst_host = summary_of_other if other.type == "host" else None
        detection.dst_account = summary_of_other if other.type == "account" else None
        is_account = entity.type == "account"
        detection.detail = {
            "first_timestamp": detection.first_timestamp,
            "last_timestamp": iso(moment),
            "event_name": rng.choice(["AssumeRole", "ConsoleLogin", "CreateAccessKey", "Add member to role", "session"]),
            "event_id": f"{detection.id}-{detection.num_events}",
            "account_id": str(AWS_ACCOUNT + entity.id) if is_account else None,
            "src_external_host": detection.src_external_host,
            "assumed_role": f"role-{entity.id}" if is_account else None,
            "access_key_id": f"AKIA{detection.id:012d}" if is_account else None,
            "aws_region": rng.choice(["us-east-1", "eu-west-1"]) if is_account else None,
            "request_parameters": json.dumps({"roleArn": f"arn:aws:iam::{AWS_ACCOUNT + entity.id}:role/x"}) if is_account
            else None,
            "response_elements": json.dumps({"result": "ok"}) if is_account else None,
            "error_code": "AccessDenied" if is_account and rng.random() < 0.2 else None,
            "error_message": "User is not authorized to perform this operation" if is_account and rng.random() < 0.2 else None,
            "role_sequence": [entity.name, f"role-{entity.id}"] if is_account else [],
            "user_agent": rng.choice(["aws-cli/2.15", "Mozilla/5.0", "python-requests/2.31"]),
            "identity_type": "AssumedRole" if is_account else None,
            "src_account": self._entity_summary(entity) if is_account else None,
            "src_host": self._entity_summary(entity) if not is_account else None,
            "dst_domain": detection.dst_domain,
            "dst_account": detection.dst_account,
            "dst_host": detection.dst_host,
            "account_name": entity.name if is_account else None,
            "dst_ips": [ip],
            "dst_ports": [port],
            "bytes_sent": rng.randint(1000, 10_000_000),
            "bytes_received": rng.randint(1000, 1_000_000),
        }
        detection.last_timestamp = iso(moment)
        entity.last_detection_timestamp = iso(moment)

    def _entity_summary(self, entity: Entity) -> dict:
        summary = {
            "name": entity.name,
            "id": entity.id,
            "urgency_score": entity.urgency_score,
            "importance": IMPORTANCE_NAMES[entity.importance],
            "url": self.ui_url(f"{entity.type}s/{entity.id}"),
            "privilege_category": entity.privilege_category,
            "external_reference_id": entity.external_reference_id,
            "groups": [g["name"] for g in self.groups.values() if self._is_member(g, entity)],
        }
        if entity.type == "host":
            summary["ip"] = entity.ip
        else:
            summary["privilege_level"] = entity.privilege_level
        return summary

    def _is_member(self, group: dict, entity: Entity) -> bool:
        if group["type"] == "host" and entity.type == "host":
            return entity.id in group["members"]
        if group["type"] == "account" and entity.type == "account":
            return entity.uid in group["members"]
        return False

    def _event_time(self, moment: datetime) -> datetime:
        if self.timestamp_jitter_s:
            return moment - timedelta(seconds=self.rng.randint(0, self.timestamp_jitter_s))
        return moment

    def _append_event(self, detection: Detection, change_type: str, moment: datetime) -> StoredEvent:
        event_id = self._next_event_id
        self._next_event_id += 1
        stamp = iso(self._event_time(moment))
        detailed = self._detailed_event(detection, change_type, event_id, stamp)
        basic = {key: detailed[key] for key in BASIC_EVENT_FIELDS}
        basic.update(detail={}, entity_href=self.ui_url(f"{detection.entity.type}s/{detection.entity.id}"),
                     src_entity=detection.entity.uid)
        stored = StoredEvent(
            id=event_id, detection_id=detection.id, entity_key=detection.entity.key, entity_type=detection.entity.type,
            timestamp=stamp, change_type=change_type, investigation_status=detection.investigation_status,
            category=detection.category, triaged=detection.triaged,
            detailed=json.dumps(detailed, ensure_ascii=False).encode(), basic=json.dumps(basic, ensure_ascii=False).encode(),
        )
        self._events_by_detection.setdefault(detection.id, []).append(len(self.events))
        self.events.append(stored)
        self._event_ids.append(event_id)
        if change_type in ("new", "state"):  # the entity's active detections changed: Vectra scores it again
            self._score(detection.entity, detection, moment, "detection created" if change_type == "new" else
                        f"detection {'closed' if detection.state == 'fixed' else 'reopened'}")
        return stored

    def _score(self, entity: Entity, last: Detection | None, moment: datetime, reason: str) -> None:
        detections = [self.detections[i] for i in entity.detection_ids if i in self.detections]
        self.activity.score(entity, detections, last, iso(moment), reason)

    def _detailed_event(self, detection: Detection, change_type: str, event_id: int, stamp: str) -> dict:
        entity = detection.entity
        summary = self._entity_summary(entity)
        return {
            "id": event_id,
            "category": detection.category,
            "type": entity.type,
            "threat": detection.threat,
            "certainty": detection.certainty,
            "severity": detection.severity,
            "d_type_vname": detection.detection_type,
            "detection_type": detection.detection_type,
            "triaged": detection.triaged,
            "detail": dict(detection.detail),
            "detection_id": detection.id,
            "detection_href": self.ui_url(f"detections/{detection.id}?detail_id={event_id}"),
            "entity_id": entity.id,
            "entity_uid": entity.uid,
            "entity_name": entity.name,
            "url": self.ui_url(f"{entity.type}s/{entity.id}"),
            "mitre": list(detection.mitre),
            "event_timestamp": stamp,
            "change_type": change_type,
            "src_account": summary if entity.type == "account" else None,
            "src_host": summary if entity.type == "host" else None,
            "src_external_host": detection.src_external_host,
            "dst_account": detection.dst_account,
            "dst_host": detection.dst_host,
            "dst_domain": detection.dst_domain,
            "summary": json.loads(json.dumps(detection.summary)),
            "filters": {"triaged": detection.triaged, "filtered_by_user": False, "filtered_by_ai": False,
                        "filtered_by_rule": detection.triaged, "is_custom_model": False},
            "data_source": dict(detection.data_source),
            "unresolved_priority": entity.unresolved_priority,
            "is_prioritized": entity.is_prioritized,
            "status": detection.investigation_status,
            "investigation_status": detection.investigation_status,
            "state": detection.state,
            "assignment": self._assignment_summary(entity),
            "reason": detection.reason,
            "notes": [dict(note) for note in detection.notes],
            "tags": list(detection.tags),
            "external_reference_id": detection.external_reference_id,
            "process_context_data": json.loads(json.dumps(detection.process_context_data)),
        }

    def _assignment_summary(self, entity: Entity) -> dict | None:
        current = self._current_assignment(entity)
        if current is None:
            return None
        return {key: current[key] for key in ("id", "date_assigned", "date_resolved", "assigned_to", "resolved_by",
                                              "assigned_by", "outcome")}

    def _current_assignment(self, entity: Entity) -> dict | None:
        field_name = "host_id" if entity.type == "host" else "account_id"
        mine = [a for a in self.assignments.values() if a[field_name] == entity.id]
        if not mine:
            return None
        unresolved = [a for a in mine if a["date_resolved"] is None]
        return max(unresolved or mine, key=lambda a: a["id"])

    # --- changes (each appends its event) -------------------------------------------------------------------

    def _observe(self, detection: Detection, moment: datetime) -> None:
        detection.num_events += 1
        detection.threat = min(99, detection.threat + self.rng.choice([0, 0, 5]))
        self._record_observation(detection, moment)
        if detection.state == "inactive":
            detection.state = "active"
        self._append_event(detection, "append", moment)

    def _set_status(self, detection: Detection, status: str, moment: datetime) -> None:
        detection.investigation_status = status
        self._append_event(detection, "investigation_status", moment)
        self.activity.detection_changed(detection.id, "updated", f"Investigation status of detections with ids "
                                        f"[{detection.id}] changed to {status}", iso(moment), investigation_status=status)

    def _set_tags(self, detection: Detection, tags: list[str], moment: datetime) -> None:
        before, detection.tags = detection.tags, list(tags)
        self._append_event(detection, "adjust", moment)
        self.activity.tags_changed("detection", detection.id, before, detection.tags, iso(moment))

    def _triage(self, detection: Detection, moment: datetime, rule_id: int | None = None) -> None:
        detection.triaged = True
        detection.triage_rule_id = rule_id or self.rng.randint(100, 200)
        self._append_event(detection, "triage", moment)
        self.activity.detection_changed(detection.id, "triaged", f"Detection {detection.id} was triaged by rule "
                                        f"{detection.triage_rule_id}", iso(moment))

    def _close(self, detection: Detection, reason: str, moment: datetime) -> None:
        detection.state = "fixed"
        detection.reason = reason
        self._append_event(detection, "state", moment)
        self.activity.detection_changed(detection.id, "closed", f"Detection {detection.id} was closed as {reason}",
                                        iso(moment), reason=reason)

    def _reopen(self, detection: Detection, moment: datetime) -> None:
        detection.state = "active"
        detection.reason = None
        self._append_event(detection, "state", moment)
        self.activity.detection_changed(detection.id, "reopened", f"Detection {detection.id} was reopened", iso(moment))

    def _adjust_entity_detections(self, entity: Entity, moment: datetime) -> None:
        for detection_id in entity.detection_ids:
            detection = self.detections[detection_id]
            if detection.state != "fixed":
                self._append_event(detection, "adjust", moment)

    # --- public operations: the Python handle and the admin endpoint use these ------------------------------

    def add_detections(self, count: int = 1, entity_type: str | None = None, category: str | None = None,
                       investigation_status: str = "open", prioritized: bool | None = None) -> list[int]:
        """New detections observed by Vectra (each with its `new` event)."""
        with self.lock:
            created = []
            for _ in range(count):
                entity = self._pick_entity(entity_type, prioritized)
                created.append(self._create_detection(self.now(), entity, category, investigation_status).id)
            return created

    def add_observations(self, detection_ids: list[int]) -> list[int]:
        """New activity on existing detections (`append` events)."""
        with self.lock:
            for detection_id in detection_ids:
                self._observe(self.detection(detection_id), self.now())
            return list(detection_ids)

    def analyst_set_status(self, detection_ids: list[int], status: str) -> None:
        """A Vectra analyst changes the investigation status in the Vectra UI."""
        self.update_detections(detection_ids, investigation_status=status)

    def analyst_add_note(self, detection_id: int, text: str, user: str = "vectra.analyst") -> dict:
        return self.add_note("detection", detection_id, text, user, enforce_limit=False)

    def set_entity_urgency(self, entity_type: str, entity_id: int, urgency: int) -> None:
        with self.lock:
            entity = self.entity(entity_type, entity_id)
            entity.urgency_score = urgency
            entity.unresolved_priority = entity.unresolved_priority or entity.is_prioritized
            entity.last_modified_timestamp = iso(self.now())
            self._adjust_entity_detections(entity, self.now())
            self._score(entity, None, self.now(), "urgency changed")

    def triage_detections(self, detection_ids: list[int]) -> None:
        with self.lock:
            for detection_id in detection_ids:
                self._triage(self.detection(detection_id), self.now())

    def make_inactive(self, detection_ids: list[int]) -> None:
        """Detections go quiet: their state becomes inactive (no event, as on the platform)."""
        with self.lock:
            for detection_id in detection_ids:
                detection = self.detection(detection_id)
                if detection.state == "active":
                    detection.state = "inactive"

    def lock_entity(self, entity_type: str, entity_id: int, hours: float = 24) -> dict:
        """Lock an entity down (Vectra's response action), for `hours`."""
        with self.lock:
            now = self.now()
            return dict(self.activity.lock(self.entity(entity_type, entity_id), iso(now), iso(now + timedelta(hours=hours))))

    def unlock_entity(self, entity_type: str, entity_id: int) -> None:
        with self.lock:
            self.activity.unlock(self.entity(entity_type, entity_id), iso(self.now()))

    def set_health(self, sensor_down: bool = False, disk_percent: int = 41, memory_percent: int = 63) -> dict:
        """The system's health changes (a sensor stops sending, disk or memory fill up): GET /health says so from
        now on, until the next change."""
        with self.lock:
            if self._brain is None:
                self._brain = make_brain(self.seed, [name for kind, name, _ in SENSORS if kind == "network"], self.now())
            self._health_changes += 1
            rng = random.Random(f"{self.seed}-health-{self._health_changes}")
            self.activity.health = health_state(self._brain, self.now(), rng, sensor_down, disk_percent, memory_percent)
            return self.health_object()

    def audit_page(self, checkpoint: int | None, limit: int, gte: str | None = None, lte: str | None = None,
                   **equal: object) -> dict:
        with self.lock:
            return self.activity.page(self.activity.audits, checkpoint, limit, gte, lte, **equal)

    def scoring_page(self, entity_type: str, checkpoint: int | None, limit: int, gte: str | None = None,
                     lte: str | None = None) -> dict:
        with self.lock:
            return self.activity.page(self.activity.scoring, checkpoint, limit, gte, lte, type=entity_type)

    def lockdown_list(self, entity_type: str | None = None) -> list[dict]:
        with self.lock:
            return [dict(entry) for entry in self.activity.lockdown.values()
                    if entity_type is None or entry["type"] == entity_type]

    def health_object(self) -> dict:
        """The GET /health answer now: what the last change said, with the clocks of this moment."""
        with self.lock:
            if self.activity.health is None:
                self.set_health()
            assert self.activity.health is not None
            return self.activity.health.answer(self.now())

    # --- lookups --------------------------------------------------------------------------------------------

    def detection(self, detection_id: int) -> Detection:
        try:
            return self.detections[int(detection_id)]
        except (KeyError, ValueError):
            raise ApiError(404, "Not found.") from None

    def entity(self, entity_type: str, entity_id: int) -> Entity:
        if entity_type not in ("host", "account"):
            raise ApiError(400, "type is required and must be one of: account, host")
        try:
            return self.entities[(entity_type, int(entity_id))]
        except (KeyError, ValueError):
            raise ApiError(404, "Not found.") from None

    # --- events stream --------------------------------------------------------------------------------------

    def query_events(self, query: EventQuery) -> EventPage:
        with self.lock:
            candidates = self._candidate_indices(query)
            matched: list[StoredEvent] = []
            remaining = 0
            for index in candidates:
                event = self.events[index]
                if not self._event_matches(event, query):
                    continue
                if len(matched) < query.limit:
                    matched.append(event)
                else:
                    remaining += 1
            checkpoint = query.checkpoint or 0
            if matched:
                checkpoint = matched[-1].id if not query.descending else max(e.id for e in matched)
            return EventPage(matched, checkpoint, remaining)

    def _candidate_indices(self, query: EventQuery) -> list[int] | range:
        if query.detection_id is not None:
            indices = self._events_by_detection.get(query.detection_id, [])
            if query.checkpoint is not None:
                indices = [i for i in indices if self.events[i].id > query.checkpoint]
        else:
            start = bisect.bisect_right(self._event_ids, query.checkpoint) if query.checkpoint is not None else 0
            indices = range(start, len(self.events))  # type: ignore[assignment]
        return list(reversed(indices)) if query.descending else indices

    def _event_matches(self, event: StoredEvent, query: EventQuery) -> bool:
        if query.types is not None and event.entity_type not in query.types:
            return False
        if not query.include_info_category and event.category == "info":
            return False
        if not query.include_triaged and event.triaged:
            return False
        if query.gte is not None and event.timestamp < query.gte:
            return False
        if query.lte is not None and event.timestamp > query.lte:
            return False
        if query.change_types is not None and event.change_type not in query.change_types:
            return False
        if query.investigation_statuses is not None and event.investigation_status not in query.investigation_statuses:
            return False
        return not (query.unresolved_priority is not None
                    and self.entities[event.entity_key].unresolved_priority != query.unresolved_priority)

    def latest_event_id(self) -> int:
        with self.lock:
            return self._event_ids[-1] if self._event_ids else FIRST_EVENT_ID - 1

    # --- detections API -------------------------------------------------------------------------------------

    def detection_object(self, detection: Detection) -> dict:
        entity = detection.entity
        category = CATEGORIES[detection.category]
        latest_note = detection.notes[-1] if detection.notes else None
        assignment = self._current_assignment(entity)
        groups = [self._group_brief(g) for g in self.groups.values() if self._is_member(g, entity)]
        src_host = src_account = None
        if entity.type == "host":
            src_host = {"id": entity.id, "name": entity.name, "ip": entity.ip, "url": self.api_url(f"hosts/{entity.id}"),
                        "is_key_asset": entity.importance == 2, "groups": groups, "threat": detection.threat,
                        "certainty": detection.certainty}
        else:
            src_account = {"id": entity.id, "name": entity.name, "url": self.api_url(f"accounts/{entity.id}"),
                           "threat": detection.threat, "certainty": detection.certainty,
                           "privilege_level": entity.privilege_level, "privilege_category": entity.privilege_category}
        return {
            "id": detection.id,
            "url": self.api_url(f"detections/{detection.id}"),
            "detection_url": self.api_url(f"detections/{detection.id}"),
            "category": category[1],
            "detection": detection.detection_type,
            "detection_category": category[1],
            "detection_type": detection.detection_type,
            "custom_detection": None,
            "description": f"{detection.detection_type} observed from {entity.name}",
            "src_ip": entity.ip,
            "state": detection.state,
            "threat": detection.threat,
            "certainty": detection.certainty,
            "created_timestamp": detection.created,
            "first_timestamp": detection.first_timestamp,
            "last_timestamp": detection.last_timestamp,
            "is_targeting_key_asset": entity.importance == 2,
            "src_account": src_account,
            "src_host": src_host,
            "note": latest_note["note"] if latest_note else None,
            "note_modified_by": latest_note["modified_by"] if latest_note else None,
            "note_modified_timestamp": latest_note["date_modified"] if latest_note else None,
            "notes": [dict(note) for note in detection.notes],
            "sensor": detection.data_source["sensor_id"],
            "sensor_name": detection.data_source["sensor_name"],
            "tags": list(detection.tags),
            "triage_rule_id": detection.triage_rule_id,
            "assigned_date": assignment["date_assigned"] if assignment else None,
            "assigned_to": assignment["assigned_to"]["username"] if assignment else None,
            "groups": groups,
            "src_groups": groups,
            "dst_groups": [],
            "is_marked_custom": False,
            "is_custom_model": False,
            "filtered_by_ai": False,
            "filtered_by_user": False,
            "filtered_by_rule": detection.triaged,
            "is_triaged": detection.triaged,
            "reason": detection.reason,
            "data_source": {"type": detection.data_source["type"], "connection_name": detection.data_source["sensor_name"],
                            "connection_id": detection.data_source["sensor_id"]},
            "summary": {**json.loads(json.dumps(detection.summary)), "num_events": detection.num_events,
                        "description": f"{detection.num_events} observation(s) of {detection.detection_type}",
                        "bytes_sent": detection.detail.get("bytes_sent"),
                        "bytes_received": detection.detail.get("bytes_received")},
            "grouped_details": [{"external_target": {"ip": ip, "name": None}, "num_sessions": 1,
                                 "first_timestamp": detection.first_timestamp, "last_timestamp": detection.last_timestamp,
                                 "dst_ips": [ip], "dst_ports": detection.summary["ports"][:3]}
                                for ip in detection.summary["ips"][:5]],
            "type": entity.type,
            "investigation_status": detection.investigation_status,
            "external_reference_id": detection.external_reference_id,
            "process_context_data": json.loads(json.dumps(detection.process_context_data)),
        }

    def _group_brief(self, group: dict) -> dict:
        return {key: group[key] for key in ("id", "name", "description", "type", "last_modified", "last_modified_by")}

    def list_detections(self, filters: dict[str, Any]) -> list[dict]:
        with self.lock:
            selected = [d for d in sorted(self.detections.values(), key=lambda d: d.id) if _detection_matches(d, filters)]
            selected = _ordered(selected, filters.get("ordering"))
            return [self.detection_object(d) for d in selected]

    def update_detections(self, detection_ids: list[int], investigation_status: str | None = None,
                          external_reference_id: str | None = None) -> list[int]:
        with self.lock:
            detections = [self.detection(i) for i in detection_ids]
            moment = self.now()
            for detection in detections:
                if investigation_status is not None:
                    self._set_status(detection, investigation_status, moment)
                if external_reference_id is not None:
                    detection.external_reference_id = external_reference_id
                    self._append_event(detection, "adjust", moment)
                    self.activity.detection_changed(detection.id, "updated", f"External reference ID of detection "
                                                    f"{detection.id} set to {external_reference_id}", iso(moment))
            return [d.id for d in detections]

    def close_detections(self, detection_ids: list[int], reason: str) -> None:
        with self.lock:
            detections = [self.detection(i) for i in detection_ids]
            for detection in detections:
                self._close(detection, reason, self.now())

    def open_detections(self, detection_ids: list[int]) -> None:
        with self.lock:
            detections = [self.detection(i) for i in detection_ids]
            for detection in detections:
                if detection.state == "fixed":
                    self._reopen(detection, self.now())

    def pcap(self, detection_id: int) -> tuple[str, bytes]:
        with self.lock:
            detection = self.detection(detection_id)
            if not detection.has_pcap:
                raise ApiError(404, "No PCAP is available for this detection.")
            name = f"{detection.entity.name}_{detection.detection_type.replace(' ', '_')}_{detection.id}.pcap"
            return name, _pcap_bytes(detection)

    # --- notes ----------------------------------------------------------------------------------------------

    def _notes_owner(self, kind: str, object_id: int, entity_type: str | None = None) -> Detection | Entity:
        return self.detection(object_id) if kind == "detection" else self.entity(entity_type or "", object_id)

    def list_notes(self, kind: str, object_id: int, entity_type: str | None = None) -> list[dict]:
        with self.lock:
            return [dict(note) for note in self._notes_owner(kind, object_id, entity_type).notes]

    def add_note(self, kind: str, object_id: int, text: Any, user: str, entity_type: str | None = None,
                 enforce_limit: bool = True) -> dict:
        with self.lock:
            owner = self._notes_owner(kind, object_id, entity_type)
            _check_note(text, enforce_limit)
            stamp = iso(self.now())
            note = {"id": self._next_note_id, "date_created": stamp, "date_modified": None, "created_by": user,
                    "modified_by": None, "note": text}
            self._next_note_id += 1
            owner.notes.append(note)
            self._note_changed(owner, note["id"], "created")
            return dict(note)

    def update_note(self, kind: str, object_id: int, note_id: int, text: Any, user: str,
                    entity_type: str | None = None) -> dict:
        with self.lock:
            owner = self._notes_owner(kind, object_id, entity_type)
            _check_note(text, True)
            note = _find_note(owner, note_id)
            note.update(note=text, date_modified=iso(self.now()), modified_by=user)
            self._note_changed(owner, note_id, "updated")
            return dict(note)

    def delete_note(self, kind: str, object_id: int, note_id: int, entity_type: str | None = None) -> None:
        with self.lock:
            owner = self._notes_owner(kind, object_id, entity_type)
            owner.notes.remove(_find_note(owner, note_id))
            self._note_changed(owner, note_id, "deleted")

    def _note_changed(self, owner: Detection | Entity, note_id: int, action: str) -> None:
        if isinstance(owner, Detection):
            self._append_event(owner, "adjust", self.now())
        kind = "detection" if isinstance(owner, Detection) else owner.type
        self.activity.note_changed(kind, owner.id, int(note_id), action, iso(self.now()))

    # --- tags -----------------------------------------------------------------------------------------------

    def get_tags(self, kind: str, object_id: int, entity_type: str | None = None) -> list[str]:
        with self.lock:
            return list(self._notes_owner(kind, object_id, entity_type).tags)

    def replace_tags(self, kind: str, object_id: int, tags: list[str], entity_type: str | None = None) -> list[str]:
        with self.lock:
            owner = self._notes_owner(kind, object_id, entity_type)
            if isinstance(owner, Detection):
                self._set_tags(owner, tags, self.now())
            else:
                before, owner.tags = owner.tags, list(tags)
                self.activity.tags_changed(owner.type, owner.id, before, owner.tags, iso(self.now()))
            return list(owner.tags)

    # --- entities -------------------------------------------------------------------------------------------

    def entity_object(self, entity: Entity) -> dict:
        severity = "Critical" if entity.urgency_score >= 80 else "High" if entity.urgency_score >= 50 else (
            "Medium" if entity.urgency_score >= 30 else "Low")
        return {
            "id": entity.id,
            "name": entity.name,
            "breadth_contrib": len(entity.detection_ids) % 10,
            "entity_importance": entity.importance,
            "importance": entity.importance,
            "entity_type": entity.type,
            "type": entity.type,
            "is_prioritized": entity.is_prioritized,
            "unresolved_priority": entity.unresolved_priority,
            "severity": severity,
            "urgency_score": entity.urgency_score,
            "velocity_contrib": entity.urgency_score // 20,
            "detection_set": [self.api_url(f"detections/{d}") for d in entity.detection_ids],
            "last_detection_timestamp": entity.last_detection_timestamp,
            "last_modified_timestamp": entity.last_modified_timestamp,
            "notes": [dict(note) for note in entity.notes],
            "attack_rating": entity.urgency_score // 10,
            "privilege_level": entity.privilege_level,
            "privilege_category": entity.privilege_category,
            "attack_profile": entity.attack_profile,
            "sensors": list(entity.sensors),
            "state": entity.state,
            "tags": list(entity.tags),
            "url": self.api_url(f"{entity.type}s/{entity.id}"),
            "host_type": ["workstation"] if entity.type == "host" else None,
            "account_type": [entity.uid.split(":")[0].lower()] if entity.type == "account" else None,
            "ip": entity.ip,
            "external_reference_id": entity.external_reference_id,
        }

    def list_entities(self, filters: dict[str, Any]) -> list[dict]:
        with self.lock:
            selected = [e for e in sorted(self.entities.values(), key=lambda e: (e.type, e.id)) if _entity_matches(e, filters)]
            selected = _ordered(selected, filters.get("ordering"))
            return [self.entity_object(e) for e in selected]

    def update_entity(self, entity_type: str, entity_id: int, changes: dict) -> dict:
        with self.lock:
            entity = self.entity(entity_type, entity_id)
            if "external_reference_id" in changes:
                entity.external_reference_id = changes["external_reference_id"]
            if "unresolved_priority" in changes:
                wanted = str(changes["unresolved_priority"]).lower() == "true"
                if not wanted and entity.is_prioritized:
                    raise ApiError(400, "Unresolved priority can only be cleared for an entity below the "
                                        "prioritization threshold.")
                entity.unresolved_priority = wanted
            entity.last_modified_timestamp = iso(self.now())
            self._adjust_entity_detections(entity, self.now())
            self.activity.audit(iso(self.now()), entity.type, "updated", f"{entity.type.capitalize()} {entity.id} updated: "
                                f"{', '.join(sorted(changes))}", {entity.type: {f"{entity.type}_id": str(entity.id)}})
            return self.entity_object(entity)

    # --- assignments ----------------------------------------------------------------------------------------

    def user(self, user_id: int) -> dict:
        for user in self.users:
            if user["id"] == int(user_id):
                return user
        raise ApiError(400, f"User with id {user_id} does not exist.")

    def create_assignment(self, user_id: int, entity_type: str, entity_id: int, actor: dict) -> dict:
        with self.lock:
            entity = self.entity(entity_type, entity_id)
            assignee = self.user(user_id)
            current = self._current_assignment(entity)
            if current and current["date_resolved"] is None:
                raise ApiError(409, f"{entity_type.capitalize()} {entity_id} already has an open assignment "
                                    f"({current['id']}).")
            stamp = iso(self.now())
            assignment: dict[str, Any] = {
                "id": self._next_assignment_id,
                "assigned_by": {"id": actor["id"], "username": actor["username"]},
                "date_assigned": stamp,
                "date_resolved": None,
                "events": [{"assignment_id": self._next_assignment_id, "actor": actor["id"], "event_type": "created",
                            "datetime": stamp, "context": {"to": assignee["id"], "entity_t_score": entity.urgency_score,
                                                           "entity_c_score": 0}}],
                "outcome": None,
                "resolved_by": None,
                "triaged_detections": {},
                "host_id": entity.id if entity.type == "host" else None,
                "account_id": entity.id if entity.type == "account" else None,
                "assigned_to": {"id": assignee["id"], "username": assignee["name"]},
            }
            self._next_assignment_id += 1
            self.assignments[assignment["id"]] = assignment
            created = json.loads(json.dumps(assignment))
            created["triaged_detections"] = None  # a fresh assignment answers null here, listed ones answer {}
            return created

    def assignment(self, assignment_id: int) -> dict:
        try:
            return self.assignments[int(assignment_id)]
        except (KeyError, ValueError):
            raise ApiError(404, "Not found.") from None

    def reassign(self, assignment_id: int, user_id: int, actor: dict) -> dict:
        with self.lock:
            assignment = self.assignment(assignment_id)
            assignee = self.user(user_id)
            stamp = iso(self.now())
            assignment["events"].insert(0, {
                "assignment_id": assignment["id"], "actor": actor["id"], "event_type": "reassigned", "datetime": stamp,
                "context": {"from": assignment["assigned_to"]["id"], "to": assignee["id"], "entity_t_score": 0,
                            "entity_c_score": 0}})
            assignment["assigned_to"] = {"id": assignee["id"], "username": assignee["name"]}
            return json.loads(json.dumps(assignment))

    def resolve_assignment(self, assignment_id: int, outcome_id: int, note: str | None, triage_as: str | None,
                           detection_ids: list[int], actor: dict) -> dict:
        with self.lock:
            assignment = self.assignment(assignment_id)
            if assignment["date_resolved"] is not None:
                raise ApiError(409, f"Assignment {assignment_id} is already resolved.")
            if int(outcome_id) not in self.outcomes:
                raise ApiError(400, f"Outcome with id {outcome_id} does not exist.")
            stamp = iso(self.now())
            outcome = self.outcomes[int(outcome_id)]
            assignment.update(date_resolved=stamp, outcome=dict(outcome),
                              resolved_by={"id": actor["id"], "username": actor["username"]})
            context: dict[str, Any] = {"entity_t_score": 0, "entity_c_score": 0, "triage_as": None,
                                       "triaged_detection_ids": None, "fixed_detection_ids": None, "created_rule_ids": None}
            if triage_as:
                for detection_id in detection_ids:
                    self._triage(self.detection(detection_id), self.now())
                context.update(triage_as=triage_as, triaged_detection_ids=list(detection_ids), fixed_detection_ids=[],
                               created_rule_ids=[])
                assignment["triaged_detections"] = {str(d): triage_as for d in detection_ids}
            if note:
                context["note"] = note
            assignment["events"].insert(0, {"assignment_id": assignment["id"], "actor": actor["id"],
                                            "event_type": "resolved", "datetime": stamp, "context": context})
            return json.loads(json.dumps(assignment))

    def delete_assignment(self, assignment_id: int) -> None:
        with self.lock:
            self.assignments.pop(self.assignment(assignment_id)["id"])

    def list_assignments(self, filters: dict[str, Any]) -> list[dict]:
        with self.lock:
            selected = []
            for assignment in sorted(self.assignments.values(), key=lambda a: -a["id"]):
                if filters.get("accounts") is not None and assignment["account_id"] not in filters["accounts"]:
                    continue
                if filters.get("hosts") is not None and assignment["host_id"] not in filters["hosts"]:
                    continue
                if filters.get("assignees") is not None and assignment["assigned_to"]["id"] not in filters["assignees"]:
                    continue
                if filters.get("resolved") is not None and (assignment["date_resolved"] is not None) != filters["resolved"]:
                    continue
                if filters.get("resolution") is not None and (assignment["outcome"] or {}).get("id") != filters["resolution"]:
                    continue
                if filters.get("created_after") is not None and assignment["date_assigned"] < filters["created_after"]:
                    continue
                selected.append(json.loads(json.dumps(assignment)))
            return selected

    def add_outcome(self, title: str, category: str) -> dict:
        with self.lock:
            outcome: dict[str, Any] = {"id": self._next_outcome_id, "builtin": False, "user_selectable": True, "title": title,
                       "category": category}
            self._next_outcome_id += 1
            self.outcomes[outcome["id"]] = outcome
            return dict(outcome)

    # --- groups ---------------------------------------------------------------------------------------------

    def group(self, group_id: int) -> dict:
        try:
            return self.groups[int(group_id)]
        except (KeyError, ValueError):
            raise ApiError(404, "Not found.") from None

    def group_object(self, group: dict, include_members: bool = True) -> dict:
        members: list[Any] = list(group["members"])
        if group["type"] == "host":
            members = [self._host_member(host_id) for host_id in group["members"]]
        elif group["type"] == "account":
            members = [{"uid": uid} for uid in group["members"]]
        result = {key: value for key, value in group.items() if key != "members"}
        if include_members:
            result["members"] = members
        return result

    def _host_member(self, host_id: int) -> dict:
        host = self.entities.get(("host", host_id))
        return {"id": host_id, "name": host.name if host else f"IP-{host_id}",
                "is_key_asset": bool(host and host.importance == 2), "url": self.api_url(f"hosts/{host_id}")}

    def list_groups(self, filters: dict[str, Any]) -> list[dict]:
        with self.lock:
            selected = [g for g in sorted(self.groups.values(), key=lambda g: g["id"]) if self._group_matches(g, filters)]
            return [self.group_object(g, filters.get("include_members", True)) for g in selected]

    def _group_matches(self, group: dict, filters: dict[str, Any]) -> bool:
        for key in ("type", "importance", "last_modified_by"):
            if filters.get(key) is not None and group[key] != filters[key]:
                return False
        if filters.get("name") and filters["name"].lower() not in group["name"].lower():
            return False
        if filters.get("description") and filters["description"].lower() not in group["description"].lower():
            return False
        member_filters: dict[str, tuple[str, Any]] = {"host_ids": ("host", str), "host_names": ("host", self._host_name),
                          "account_names": ("account", str), "ips": ("ip", str), "domains": ("domain", str)}
        for key, (kind, render) in member_filters.items():
            wanted = filters.get(key)
            if wanted and not (group["type"] == kind and set(wanted) & {render(m) for m in group["members"]}):
                return False
        return True

    def _host_name(self, host_id: Any) -> str:
        host = self.entities.get(("host", host_id))
        return host.name if host else ""

    def replace_group_members(self, group_id: int, members: list[Any]) -> dict:
        with self.lock:
            group = self.group(group_id)
            group["members"] = self._validated_members(group["type"], members)
            group["last_modified"] = iso(self.now())
            group["last_modified_by"] = "API Client xsoar"
            return self.group_object(group)

    def _validated_members(self, kind: str, members: list[Any]) -> list[Any]:
        if not isinstance(members, list):
            raise ApiError(400, "members must be a list")
        if kind == "host":
            try:
                host_ids = [int(m["id"] if isinstance(m, dict) else m) for m in members]
            except (TypeError, ValueError, KeyError):
                raise ApiError(400, "host group members must be host ids") from None
            unknown = [h for h in host_ids if ("host", h) not in self.entities]
            if unknown:
                raise ApiError(400, f"Invalid host ids: {unknown}")
            return list(dict.fromkeys(host_ids))
        if kind == "account":
            uids = [m["uid"] if isinstance(m, dict) else str(m) for m in members]
            return list(dict.fromkeys(uids))
        return list(dict.fromkeys(str(m) for m in members))

    # --- users ----------------------------------------------------------------------------------------------

    def list_users(self, filters: dict[str, Any]) -> list[dict]:
        with self.lock:
            selected = []
            for user in self.users:
                if filters.get("email") and user["email"] != filters["email"]:
                    continue
                if filters.get("role") and user["role"] != USER_ROLES[filters["role"]]:
                    continue
                if filters.get("last_login_gte") and (user["last_login_timestamp"] or "") < filters["last_login_gte"]:
                    continue
                selected.append(dict(user))
            return selected

    # --- investigations -------------------------------------------------------------------------------------

    def submit_investigation(self, query: str, version: str | None) -> dict:
        with self.lock:
            digest = hashlib.sha256(f"{query}|{len(self.investigations)}".encode()).hexdigest()
            request_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
            rows = 5 + int(digest[:4], 16) % 120
            self.investigations[request_id] = {"query": query, "version": version, "polls": 0, "rows": rows,
                                               "created": iso(self.now())}
            return {"request_id": request_id, "searchable_range": {"searchable_days_allowed": 30}}

    def investigation_results(self, request_id: str, page: int, page_size: int) -> dict:
        with self.lock:
            if request_id not in self.investigations:
                raise ApiError(404, "Not found.")
            record = self.investigations[request_id]
            record["polls"] += 1
            running = record["polls"] <= self.investigation_running_polls
            columns = ["timestamp", "src_ip", "dst_ip", "dst_port", "protocol", "bytes_out"]
            rows = [] if running else self._investigation_rows(request_id, record, page, page_size)
            return {
                "request_id": request_id,
                "data": rows,
                "meta": {"query_status": "running" if running else "completed",
                         "num_rows_available": 0 if running else record["rows"], "page": page, "page_size": page_size,
                         "estimated_file_size_bytes": record["rows"] * 96, "columns": columns},
            }

    def _investigation_rows(self, request_id: str, record: dict, page: int, page_size: int) -> list[dict]:
        rng = random.Random(request_id)
        start = (page - 1) * page_size
        rows = []
        for index in range(start, min(start + page_size, record["rows"])):
            source_host = rng.randint(1, 254)
            first, _, last = rng.randint(11, 223), rng.randint(0, 255), rng.randint(1, 254)
            rows.append({"timestamp": record["created"], "src_ip": f"10.0.{index % 250}.{source_host}",
                         "dst_ip": external_ip(first, last),
                         "dst_port": rng.choice([53, 443, 445, 3389]), "protocol": rng.choice(["tcp", "udp"]),
                         "bytes_out": rng.randint(100, 10**7)})
        return rows

    # --- faults that change the data ------------------------------------------------------------------------

    def add_huge_note(self, detection_id: int, length: int = 20_000) -> dict:
        """A note far beyond what the API accepts on POST, as imported or written by another system."""
        return self.add_note("detection", detection_id, ("long-note " * (length // 10 + 1))[:length], "mdr.operator",
                             enforce_limit=False)


BASIC_EVENT_FIELDS = ("id", "category", "type", "threat", "certainty", "severity", "d_type_vname", "detection_type",
                      "triaged", "detection_id", "detection_href", "entity_id", "entity_uid", "url", "mitre",
                      "event_timestamp")


def _ordered(items: list, ordering: str | None) -> list:
    """Django-style `ordering` (`field` or `-field`); unknown fields are ignored, missing values sort last."""
    key = (ordering or "").lstrip("-")
    if not key or not items or not hasattr(items[0], key):
        return items
    present = [item for item in items if getattr(item, key) is not None]
    missing = [item for item in items if getattr(item, key) is None]
    return sorted(present, key=lambda item: getattr(item, key), reverse=ordering.startswith("-")) + missing  # type: ignore[union-attr]


def _check_note(text: Any, enforce_limit: bool) -> None:
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "note is required and must be a non-empty string")
    if enforce_limit and len(text) > MAX_NOTE_LENGTH:
        raise ApiError(400, f"Ensure this field has no more than {MAX_NOTE_LENGTH} characters.")


def _find_note(owner: Detection | Entity, note_id: int) -> dict:
    for note in owner.notes:
        if note["id"] == int(note_id):
            return note
    raise ApiError(404, "Not found.")


def _detection_matches(detection: Detection, filters: dict[str, Any]) -> bool:
    checks = {
        "id": lambda v: detection.id in v,
        "state": lambda v: detection.state == v,
        "detection_category": lambda v: detection.category == v,
        "detection_type": lambda v: detection.detection_type.lower() == v.lower(),
        "detection": lambda v: v.lower() in detection.detection_type.lower(),
        "description": lambda v: v.lower() in f"{detection.detection_type} observed from {detection.entity.name}".lower(),
        "type": lambda v: detection.entity.type == v,
        "entity_id": lambda v: detection.entity.id == v,
        "reason": lambda v: detection.reason == v,
        "is_triaged": lambda v: detection.triaged == v,
        "tags": lambda v: bool(set(v) & set(detection.tags)),
        "created_timestamp_gte": lambda v: detection.created >= v,
        "created_timestamp_lte": lambda v: detection.created <= v,
        "last_timestamp_gte": lambda v: detection.last_timestamp >= v,
        "last_timestamp_lte": lambda v: detection.last_timestamp <= v,
        "min_id": lambda v: detection.id >= v,
        "max_id": lambda v: detection.id <= v,
        "threat_gte": lambda v: detection.threat >= v,
        "certainty_gte": lambda v: detection.certainty >= v,
        "src_ip": lambda v: detection.entity.ip == v,
        "host_id": lambda v: detection.entity.type == "host" and detection.entity.id == v,
        "investigation_status": lambda v: detection.investigation_status in v,
    }
    if not filters.get("include_info_category", True) and detection.category == "info":
        return False
    return all(check(filters[name]) for name, check in checks.items() if filters.get(name) is not None)


def _entity_matches(entity: Entity, filters: dict[str, Any]) -> bool:
    checks = {
        "type": lambda v: entity.type == v,
        "is_prioritized": lambda v: entity.is_prioritized == v,
        "state": lambda v: entity.state == v,
        "name": lambda v: v.lower() in entity.name.lower(),
        "tags": lambda v: bool(set(v) & set(entity.tags)),
        "last_detection_timestamp_gte": lambda v: (entity.last_detection_timestamp or "") >= v,
        "last_detection_timestamp_lte": lambda v: (entity.last_detection_timestamp or "") <= v,
        "last_modified_timestamp_gte": lambda v: (entity.last_modified_timestamp or "") >= v,
        "last_modified_timestamp_lte": lambda v: (entity.last_modified_timestamp or "") <= v,
        "note_modified_timestamp_gte": lambda v: any((n["date_modified"] or n["date_created"]) >= v for n in entity.notes),
    }
    return all(check(filters[name]) for name, check in checks.items() if filters.get(name) is not None)


def _pcap_bytes(detection: Detection) -> bytes:
    """A valid libpcap file with one Ethernet/IPv4/TCP packet from the detection's host."""
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    src = [int(part) for part in (detection.entity.ip or "10.0.0.1").split(".")]
    ip_header = struct.pack("!BBHHHBBH4B4B", 0x45, 0, 40, detection.id % 65535, 0, 64, 6, 0, *src, 93, 184, 216, 34)
    tcp_header = struct.pack("!HHIIBBHHH", 49152 + detection.id % 1000, 443, detection.id, 0, 0x50, 0x02, 64240, 0, 0)
    frame = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip_header + tcp_header
    record = struct.pack("<IIII", 1_700_000_000 + detection.id, 0, len(frame), len(frame))
    return header + record + frame
