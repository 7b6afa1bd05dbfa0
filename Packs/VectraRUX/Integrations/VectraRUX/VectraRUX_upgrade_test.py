"""Continuing from the published Vectra RUX integration's state (1.0.x): its last run
`{"from", "event_timestamp", "was_fetched", "selected_types", "selected_statuses", "unresolved_priority"}` and its
integration context `{"access_token", "refresh_token"}`.

The published integration is played by an oracle written from its documented behaviour: from its first read to its
checkpoint it created an incident for every detection with an event that Vectra's server-side filters (entity types,
investigation statuses, triaged excluded, unresolved priority) let through. The stream is served in this process by
a fake of the events endpoint that applies the same query parameters as Vectra.
"""

import json
from datetime import datetime, timedelta, timezone

import demistomock as demisto
import pytest
import VectraRUX as vr
from VectraRUX_test import FakeVectra, make_params

START = datetime(2026, 10, 1, tzinfo=timezone.utc)
ALL_ACTIVE = ("acknowledged", "escalated", "open", "paused")


def event(event_id, detection_id, change="append", kind="host", status="open", triaged=False, unresolved=False):
    stamp = (START + timedelta(minutes=event_id)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"id": event_id, "detection_id": detection_id, "change_type": change, "type": kind, "category": "lateral_movement",
            "detection_type": "Suspicious Remote Execution", "entity_id": detection_id % 7,
            "entity_uid": f"{kind}-{detection_id % 7}",
            "event_timestamp": stamp, "investigation_status": status, "status": status, "triaged": triaged, "state": "active",
            "is_prioritized": unresolved, "unresolved_priority": unresolved, "detail": {"first_timestamp": stamp}}


class Stream:
    """The events endpoint in this process, with the query parameters Vectra applies (`from`, `limit`, `ordering`,
    `detection_id`, `type`, `investigation_status`, `include_triaged`, `event_timestamp_gte`)."""

    def __init__(self, events, budget_s=150, seconds_per_request=0.0):
        self.events = events
        self.seconds_per_request = seconds_per_request
        self.requests = 0
        self.budget = vr.Budget(budget_s, clock=lambda: self.requests * self.seconds_per_request)

    def detection_events(self, **params):
        self.requests += 1
        query = {key: str(value) for key, value in params.items() if value is not None}
        query.setdefault("include_info_category", "true")
        selected = [e for e in self.events if FakeVectra._matches(e, query)]
        if query.get("ordering") == "-id":
            selected.reverse()
        page = selected[:int(query.get("limit", 500))]
        return {"events": page, "next_checkpoint": page[-1]["id"] if page else int(query.get("from", 0)),
                "remaining_count": len(selected) - len(page)}


def published_fetch(events, first_read, checkpoint, types=("host", "account"), statuses=ALL_ACTIVE, unresolved=False):
    """What the published integration fetched reading events first_read..checkpoint with its server-side filters."""
    return sorted({e["detection_id"] for e in events if first_read <= e["id"] <= checkpoint and e["type"] in types
                   and e["investigation_status"] in statuses and not e["triaged"]
                   and (not unresolved or e["unresolved_priority"])})


def published_last_run(fetched, checkpoint, types="host,account", statuses="acknowledged,escalated,open,paused",
                       unresolved="false"):
    return {"from": checkpoint, "event_timestamp": "2026-10-02T00:00:00Z", "was_fetched": list(fetched),
            "selected_types": types, "selected_statuses": statuses, "unresolved_priority": unresolved}


def deserving(events, after, types=("host", "account")):
    """Detections with an event after `after` that this integration's default filters let through."""
    return {e["detection_id"] for e in events if e["id"] > after and e["type"] in types and not e["triaged"]
            and e["investigation_status"] not in ("closed", "expired")}


@pytest.fixture
def upgraded(invocation):
    """An instance whose last run and integration context the published integration left."""
    def install(last_run):
        invocation.last_run = last_run
        invocation.integration_context = demisto.IntegrationContextStore({"access_token": "a", "refresh_token": "r"})
        return invocation
    return install


def run_fetch(stream, **params):
    settings = vr.parse_settings(make_params(**{"first_fetch": "60 days", "max_fetch": "200", **params}))
    return [int(incident["dbotMirrorId"]) for incident in vr.fetch_incidents(stream, settings)]


def drain(stream, **params):
    created = []
    for _ in range(50):
        batch = run_fetch(stream, **params)
        created += batch
        if not batch and "upgrade" not in demisto.getLastRun():
            return created
    raise AssertionError("fetch never caught up")


def mixed_stream(detections=60, events=400, seed=3):
    """Detections 1..`detections`, each with its `new` event first, then changes of every kind."""
    import random

    rng = random.Random(seed)
    stream = [event(d, d, "new", kind="host" if d % 3 else "account") for d in range(1, detections + 1)]
    for event_id in range(detections + 1, events + 1):
        detection = rng.randint(1, detections)
        stream.append(event(event_id, detection, rng.choice(["append", "adjust", "investigation_status", "triage"]),
                            kind="host" if detection % 3 else "account",
                            status=rng.choice(["open", "acknowledged", "escalated", "paused", "closed"]),
                            triaged=rng.random() < 0.1, unresolved=rng.random() < 0.3))
    return stream


def test_a_published_state_with_nothing_fetched_continues_at_its_checkpoint(upgraded):
    events = mixed_stream()
    upgraded(published_last_run([], 250))
    created = drain(Stream(events))
    assert sorted(created) == sorted(deserving(events, 250))


def test_mid_stream_no_duplicate_and_no_detection_lost(upgraded):
    events = mixed_stream()
    fetched = published_fetch(events, first_read=120, checkpoint=250)
    upgraded(published_last_run(fetched, 250))
    stream = Stream(events)
    created = drain(stream)
    assert set(created).isdisjoint(fetched)
    assert sorted(created) == sorted(deserving(events, 250) - set(fetched))
    # Weeks later: new activity on a detection the published integration fetched, and on one it never saw (its
    # qualifying events all came before the published integration's first read).
    never_seen = next(d for d in deserving(events[:119], 0) if d not in fetched and d not in created)
    events += [event(401, fetched[0]), event(402, never_seen)]
    assert run_fetch(stream) == [never_seen]


def test_the_converted_state_replaces_the_published_last_run(upgraded):
    events = mixed_stream()
    fetched = published_fetch(events, first_read=120, checkpoint=250)
    upgraded(published_last_run(fetched, 250))
    drain(Stream(events))
    assert set(demisto.getLastRun()) == {"start", "cursor", "runs"}
    state = vr.read_context()["fetch"]
    newest_miss = max(e["id"] for e in events if e["id"] < 120 and e["detection_id"] not in fetched
                      and e["detection_id"] in published_fetch([e], 0, 250))
    assert state["start"] == newest_miss
    assert state["epochs"][0] == [newest_miss + 1, "account,host|p0|e0|s:acknowledged,escalated,open,paused"]
    assert "legacy" not in state  # every fetched detection is vouched for by Vectra's history


def test_filters_different_from_the_instances(upgraded):
    """Published: hosts, escalated only, prioritized (server-side, all at once). Instance: hosts and accounts, no
    filter. Account detections and non-escalated hosts were never fetched: they get incidents on new activity."""
    events = mixed_stream()
    fetched = published_fetch(events, 120, 250, types=("host",), statuses=("escalated",), unresolved=True)
    upgraded(published_last_run(fetched, 250, types="Host", statuses="escalated", unresolved="true"))
    created = drain(Stream(events))
    assert set(created).isdisjoint(fetched)
    assert sorted(created) == sorted(deserving(events, 250) - set(fetched))
    assert any(d % 3 == 0 for d in created)  # accounts too


def test_a_detection_fetched_outside_the_history_window_is_kept_by_id(upgraded):
    """A detection the published integration fetched although none of its events qualifies after the newest miss
    (it skipped events, its filters changed...) is remembered by ID: new events of it create nothing."""
    events = mixed_stream()
    fetched = published_fetch(events, first_read=120, checkpoint=250)
    outlier = next(d for d in deserving(events[:100], 0) if d not in fetched)
    upgraded(published_last_run(sorted([*fetched, outlier]), 250))
    stream = Stream(events)
    drain(stream)
    assert decode(vr.read_context()["fetch"]["legacy"]) == {outlier}
    events.append(event(401, outlier))
    assert run_fetch(stream) == []


def test_the_conversion_resumes_in_the_next_run_when_the_budget_ends(upgraded):
    events = mixed_stream(detections=300, events=3000)
    fetched = published_fetch(events, first_read=800, checkpoint=2500)
    upgraded(published_last_run(fetched, 2500))
    assert run_fetch(Stream(events, budget_s=10.5, seconds_per_request=1)) == []  # a slow Vectra: one request's time
    progress = demisto.getLastRun()["upgrade"]
    assert progress["floor"] == 1500 and demisto.getLastRun()["was_fetched"] == fetched  # one window read
    created = drain(Stream(events))
    assert sorted(created) == sorted(deserving(events, 2500) - set(fetched))


def test_a_crash_after_handing_over_incidents_creates_no_duplicate(upgraded):
    """The platform stops after creating the first incidents but before saving the last run: the integration context,
    written first, already holds the converted state."""
    events = mixed_stream()
    fetched = published_fetch(events, 120, 250)
    invocation = upgraded(published_last_run(fetched, 250))
    first = run_fetch(Stream(events), max_fetch="5")
    invocation.last_run = published_last_run(fetched, 250)  # the platform did not save the last run
    rest = drain(Stream(events))
    assert sorted(first + rest) == sorted(deserving(events, 250) - set(fetched))


def test_100000_fetched_ids_convert_into_a_bounded_state(upgraded):
    """The published last run holds 100,000 detection IDs; the converted state stays under 16 KB."""
    detections = 110_000
    events = [event(d, d, "new") for d in range(1, detections + 1)]
    fetched = list(range(10_001, detections + 1))  # everything from its first read (event 10,001) to its checkpoint
    upgraded(published_last_run(fetched, detections))
    stream = Stream(events)
    assert run_fetch(stream) == []
    size = len(json.dumps(demisto.getLastRun())) + len(json.dumps(demisto.getIntegrationContext()))
    assert size < 16_384, size
    assert vr.read_context()["fetch"]["epochs"][0][0] == 10_001


def test_history_lookups_stay_inside_the_runs_time_budget(upgraded):
    """Every event after the checkpoint is a change of an older detection: each costs a history lookup. On a slow
    Vectra a run stops at its budget and the next one continues from that event; nothing is lost."""
    events = [event(d, d, "new") for d in range(1, 101)] + [event(100 + d, d) for d in range(1, 101)]
    upgraded(published_last_run([], 100))
    created, runs = [], 0
    while runs < 20:
        stream = Stream(events, budget_s=30, seconds_per_request=1)
        batch = run_fetch(stream)
        runs += 1
        assert stream.requests <= 30
        created += batch
        if demisto.getLastRun().get("cursor") == 200:
            break
    assert sorted(created) == list(range(1, 101)) and runs > 3


def decode(text):
    return vr.decode_ids(text)
