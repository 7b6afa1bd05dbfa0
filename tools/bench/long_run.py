"""A long life of one integration instance: a synthetic events stream of a million events through the real fetch
and incoming-mirroring code, in this process, with a fake client in place of HTTP (the events are made on demand
from a seed, so the stream costs no memory beyond two ids per event).

Every run is what the platform does each minute: fetch-incidents with the last run and integration context the
previous runs left, then get-modified-remote-data. At the end: how big the persistent state is
(`state_bytes_after_1m_events`: last run + integration context, as JSON), and whether every detection got
exactly one incident.
"""

from __future__ import annotations

import json
import random
import sys
from array import array
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tools.xsoar_local.invocation import IntegrationContextStore, Invocation, serving

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUX"
CHANGES = ("append", "append", "append", "adjust", "investigation_status", "triage", "state")
STATUSES = ("open", "acknowledged", "escalated", "closed")
NEW = 0


def import_integration() -> Any:
    import tools.xsoar_local  # noqa: F401 - the platform's runtime and the API modules on the path

    if str(INTEGRATION) not in sys.path:
        sys.path.insert(0, str(INTEGRATION))
    import VectraRUX

    return VectraRUX


class SyntheticStream:
    """Event `i` (1-based) is about detection `detections[i]`; about one event in `new_every` creates a detection.
    Most changes touch recent detections, some touch old ones (so fetch must ask Vectra's history about them)."""

    def __init__(self, events: int, seed: int = 5, new_every: int = 20, recent: int = 2000,
                 start: datetime = datetime(2026, 11, 1, tzinfo=timezone.utc)):
        rng = random.Random(seed)
        # The stream's own clock: event i happens `i` seconds after `start`, and the instance reading it is told that
        # "now" is `start` (settings, fetch, mirroring), so the machine's clock never meets this date.
        self.start = start
        self.detection_of = array("I", [0])
        self.kind_of = array("B", [0])
        self.events_of: dict[int, array] = {}
        created = 0
        for event_id in range(1, events + 1):
            if created == 0 or rng.random() < 1 / new_every:
                created += 1
                detection, kind = created, NEW
            else:
                old = rng.random() < 0.05
                detection = rng.randint(1, created) if old else rng.randint(max(1, created - recent), created)
                kind = rng.randrange(1, len(CHANGES) + 1)
            self.detection_of.append(detection)
            self.kind_of.append(kind)
            self.events_of.setdefault(detection, array("I")).append(event_id)
        self.detections = created

    def __len__(self) -> int:
        return len(self.detection_of) - 1

    def event(self, event_id: int) -> dict:
        detection, kind = self.detection_of[event_id], self.kind_of[event_id]
        change = "new" if kind == NEW else CHANGES[kind - 1]
        moment = (self.start + timedelta(seconds=event_id)).strftime("%Y-%m-%dT%H:%M:%SZ")
        status = "open" if kind == NEW else STATUSES[(event_id + detection) % len(STATUSES)]
        return {
            "id": event_id, "detection_id": detection, "change_type": change, "type": "host", "category": "lateral_movement",
            "detection_type": "Suspicious Remote Execution", "entity_id": 100 + detection % 500,
            "entity_name": f"host-{detection % 500}", "entity_uid": f"host-{detection % 500}", "event_timestamp": moment,
            "investigation_status": status, "triaged": change == "triage", "state": "fixed" if change == "state" else "active",
            "is_prioritized": detection % 3 == 0, "unresolved_priority": False, "threat": 40, "certainty": 60,
            "src_host": {"id": 100 + detection % 500, "urgency_score": detection % 100}, "tags": [], "notes": [],
            "detail": {"first_timestamp": moment},
        }


class FakeVectraClient:
    """Answers `detection_events` as the events stream does (`from`, `limit`, `ordering`, `detection_id`,
    `event_timestamp_gte`), and counts the calls."""

    def __init__(self, stream: SyntheticStream, budget: Any, visible: int):
        self.stream = stream
        self.budget = budget
        self.visible = visible  # events that exist so far: the stream grows while the instance runs
        self.calls: Counter = Counter()

    def detection_events(self, **params: Any) -> dict:
        limit = int(params.get("limit", 500))
        after = int(params.get("from") or 0)
        ids: Sequence[int]
        if params.get("detection_id") is not None:
            self.calls["history"] += 1
            ids = [i for i in self.stream.events_of.get(int(params["detection_id"]), ()) if after < i <= self.visible]
        elif params.get("ordering") == "-id":
            self.calls["latest"] += 1
            ids = range(self.visible, 0, -1)
        elif params.get("event_timestamp_gte"):
            self.calls["locate"] += 1
            ids = range(1, self.visible + 1)
        else:
            self.calls["stream"] += 1
            ids = range(after + 1, self.visible + 1)  # a range: slicing it costs nothing
        page = ids[:limit]
        return {"events": [self.stream.event(i) for i in page], "next_checkpoint": page[-1] if page else 0,
                "remaining_count": len(ids) - len(page)}


def long_run(events: int = 1_000_000, events_per_minute: int = 4000, max_fetch: int = 200, seed: int = 5,
             new_every: int = 20) -> dict:
    """The stream arrives `events_per_minute` at a time; each minute fetch runs until it has caught up, then the
    mirroring job asks what changed. Returns the figures; raises if an incident is missing or duplicated."""
    vr = import_integration()
    return _long_run(vr, SyntheticStream(events, seed=seed, new_every=new_every), events_per_minute, max_fetch)


def _long_run(vr: Any, stream: SyntheticStream, events_per_minute: int, max_fetch: int) -> dict:
    params = {"server_url": "https://vectra.test", "credentials": {"identifier": "id", "password": "secret"},
              "isFetch": True, "first_fetch": "30 days", "max_fetch": str(max_fetch),
              "mirror_direction": "Incoming And Outgoing"}
    settings = vr.parse_settings(params, now=stream.start)
    context = IntegrationContextStore({})
    last_run: dict = {}
    last_mirror_run: dict = {}
    incidents: Counter = Counter()
    runs = 0
    client = FakeVectraClient(stream, vr.Budget(10**9), visible=0)
    while client.visible < len(stream) or last_run.get("cursor") != len(stream):
        if runs > 10 * len(stream):
            raise AssertionError("long run: fetch never caught up")
        client.visible = min(len(stream), client.visible + events_per_minute)
        while True:  # fetch until caught up with what exists
            runs += 1
            with serving(Invocation(command="fetch-incidents", params=params, last_run=last_run,
                                    integration_context=context)) as invocation:
                created = vr.fetch_incidents(client, settings, now=stream.start)
            incidents.update(int(incident["dbotMirrorId"]) for incident in created)
            last_run = invocation.last_run
            if not created or last_run.get("cursor") == client.visible:
                break
        with serving(Invocation(command="get-modified-remote-data", params=params, last_mirror_run=last_mirror_run,
                                integration_context=context)) as mirror:
            vr.get_modified_remote_data(client, settings, {"lastUpdate": vr.iso_utc(stream.start)})
        last_mirror_run = mirror.last_mirror_run or {}
    stored_context = context.read()[0]
    state_bytes = len(json.dumps(last_run)) + len(json.dumps(stored_context))
    duplicates = sum(count - 1 for count in incidents.values())
    missing = stream.detections - len(incidents)
    if duplicates or missing:
        raise AssertionError(f"long run: {duplicates} duplicate incident(s), {missing} detection(s) without one")
    return {
        "long_run_events": len(stream),
        "long_run_detections": stream.detections,
        "long_run_fetch_runs": runs,
        "long_run_incidents": len(incidents),
        "long_run_duplicate_incidents": duplicates,
        "long_run_history_lookups": client.calls["history"],
        "long_run_stream_requests": client.calls["stream"],
        "long_run_state_bytes": state_bytes,
        "state_context_bytes": len(json.dumps(stored_context)),
    }


def upgrade_from_published(events: int = 220_000, first_read: int = 20_000, seed: int = 9) -> dict:
    """An instance taking over the published integration's last run: it fetched every detection with an event that
    its filters let through from event `first_read` to the end of a stream (about 100,000 detections at full
    size). Figures: the IDs it held, fetch runs and requests until converted, and the state bytes after."""
    vr = import_integration()
    stream = SyntheticStream(events, seed=seed, new_every=2)
    fetched = sorted({stream.detection_of[i] for i in range(first_read, events + 1) if _published_took(stream.event(i))})
    last_run: dict = {"from": events, "event_timestamp": stream.event(events)["event_timestamp"], "was_fetched": fetched,
                      "selected_types": "account,host", "selected_statuses": "acknowledged,escalated,open,paused",
                      "unresolved_priority": "false"}
    context = IntegrationContextStore({"access_token": "published", "refresh_token": "published"})
    params = {"server_url": "https://vectra.test", "credentials": {"identifier": "id", "password": "secret"},
              "isFetch": True, "first_fetch": "30 days", "max_fetch": "200"}
    settings = vr.parse_settings(params, now=stream.start)
    client = FakeVectraClient(stream, vr.Budget(150), visible=events)
    runs = 0
    while "was_fetched" in last_run and runs < 20:
        runs += 1
        client.budget = vr.Budget(150)
        with serving(Invocation(command="fetch-incidents", params=params, last_run=last_run,
                                integration_context=context)) as invocation:
            if vr.fetch_incidents(client, settings, now=stream.start):
                raise AssertionError("upgrade: the published integration's detections got incidents again")
        last_run = invocation.last_run
    stored = context.read()[0]
    return {
        "upgrade_published_ids": len(fetched),
        "upgrade_runs_until_converted": runs,
        "upgrade_requests_until_converted": sum(client.calls.values()),
        "upgrade_state_bytes": len(json.dumps(last_run)) + len(json.dumps(stored)),
    }


def _published_took(event: dict) -> bool:
    """The published integration's server-side filters: entity type, active investigation status, not triaged."""
    return event["investigation_status"] in ("acknowledged", "escalated", "open", "paused") and not event["triaged"]
