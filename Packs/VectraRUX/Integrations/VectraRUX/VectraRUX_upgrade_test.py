"""Continuing from the published Vectra RUX integration's state (1.0.x): its last run
`{"from", "event_timestamp", "was_fetched", "selected_types", "selected_statuses", "unresolved_priority"}` and its
integration context `{"access_token", "refresh_token"}`.

The published integration is played by an oracle written from its documented behaviour: from its first read to its
checkpoint it created an incident for every detection with an event that Vectra's server-side filters (entity types,
investigation statuses, triaged excluded, unresolved priority) let through. Vectra and the platform are the ones of
VectraRUX_test (`FakeVectra` over requests-mock, `Platform` through demistomock); the time budget runs on the number
of requests, so a "slow Vectra" is a number of seconds per request.
"""

import json
import random
from datetime import datetime, timedelta, timezone

import pytest
import VectraRUX as vr
from freezegun import freeze_time
from VectraRUX_test import FakeVectra, Platform, make_params, mirror_ids

NOW = "2026-11-01T12:00:00Z"
START = datetime(2026, 10, 1, tzinfo=timezone.utc)
ALL_ACTIVE = ("acknowledged", "escalated", "open", "paused")


@pytest.fixture(autouse=True)
def clock():
    """A month after the stream's first event: First Fetch Time "60 days" reaches back before it."""
    with freeze_time(NOW) as frozen:
        yield frozen


@pytest.fixture
def platform(mocker):
    return Platform(mocker)


@pytest.fixture
def vectra(requests_mock):
    fake = FakeVectra(requests_mock, events=[])
    fake.accept_published_tokens()
    return fake


def event(event_id, detection_id, change="append", kind="host", status="open", triaged=False, unresolved=False):
    stamp = (START + timedelta(minutes=event_id)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"id": event_id, "detection_id": detection_id, "change_type": change, "type": kind, "category": "lateral_movement",
            "detection_type": "Suspicious Remote Execution", "entity_id": detection_id % 7,
            "entity_uid": f"{kind}-{detection_id % 7}",
            "event_timestamp": stamp, "investigation_status": status, "status": status, "triaged": triaged, "state": "active",
            "is_prioritized": unresolved, "unresolved_priority": unresolved, "detail": {"first_timestamp": stamp}}


def mixed_stream(detections=60, events=400, seed=3):
    """Detections 1..`detections`, each with its `new` event first, then changes of every kind."""
    rng = random.Random(seed)
    stream = [event(d, d, "new", kind="host" if d % 3 else "account") for d in range(1, detections + 1)]
    for event_id in range(detections + 1, events + 1):
        detection = rng.randint(1, detections)
        stream.append(event(event_id, detection, rng.choice(["append", "adjust", "investigation_status", "triage"]),
                            kind="host" if detection % 3 else "account",
                            status=rng.choice(["open", "acknowledged", "escalated", "paused", "closed"]),
                            triaged=rng.random() < 0.1, unresolved=rng.random() < 0.3))
    return stream


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


def upgrade_from(platform, vectra, events, last_run):
    """An instance whose last run and integration context the published integration left."""
    vectra.events = events
    platform.last_run = last_run
    platform.context = {"access_token": "published-access", "refresh_token": "published-refresh"}


def run_fetch(vectra, budget_s=150, seconds_per_request=0.0, **params):
    settings = vr.parse_settings(make_params(**{"first_fetch": "60 days", "max_fetch": "200", **params}))
    budget = vr.Budget(budget_s, clock=vectra.clock(seconds_per_request))
    return mirror_ids(vr.fetch_incidents(vr.VectraClient(settings, budget, sleep=lambda _: None), settings))


def drain(platform, vectra, **options):
    """Fetch runs until the conversion is done and a run creates nothing."""
    created = []
    for _ in range(50):
        batch = run_fetch(vectra, **options)
        created += batch
        if not batch and "upgrade" not in platform.last_run:
            return created
    raise AssertionError("fetch never caught up")


def assert_no_duplicate(created):
    assert len(created) == len(set(created)), sorted(created)


def test_a_published_state_with_nothing_fetched_continues_at_its_checkpoint(platform, vectra):
    events = mixed_stream()
    upgrade_from(platform, vectra, events, published_last_run([], 250))
    created = drain(platform, vectra)
    assert_no_duplicate(created)
    assert set(created) == deserving(events, 250)
    assert min(int(call.query["from"]) for call in vectra.api_calls()) == 250  # nothing before the checkpoint is read


def test_mid_stream_no_duplicate_and_no_detection_lost(platform, vectra):
    events = mixed_stream()
    fetched = published_fetch(events, first_read=120, checkpoint=250)
    upgrade_from(platform, vectra, events, published_last_run(fetched, 250))
    created = drain(platform, vectra)
    assert_no_duplicate(created)
    assert set(created) == deserving(events, 250) - set(fetched)
    # Weeks later: new activity on a detection the published integration fetched, and on one it never saw (its
    # qualifying events all came before the published integration's first read).
    never_seen = min(d for d in deserving(events[:119], 0) if d not in fetched and d not in created)
    vectra.events += [event(401, fetched[0]), event(402, never_seen)]
    assert run_fetch(vectra) == [never_seen]


def test_the_converted_state_replaces_the_published_last_run(platform, vectra):
    events = mixed_stream()
    fetched = published_fetch(events, first_read=120, checkpoint=250)
    upgrade_from(platform, vectra, events, published_last_run(fetched, 250))
    drain(platform, vectra)
    assert set(platform.last_run) == {"start", "cursor", "epochs", "runs"}
    state = platform.stored("fetch")
    newest_miss = max(e["id"] for e in events if e["id"] < 120 and e["detection_id"] not in fetched
                      and e["detection_id"] in published_fetch([e], 0, 250))
    assert state["start"] == newest_miss
    assert state["epochs"][0] == [newest_miss + 1, "account,host|p0|e0|s:acknowledged,escalated,open,paused"]
    assert "legacy" not in state  # every fetched detection is vouched for by Vectra's history


def test_the_published_server_side_filters_are_sent_while_converting(platform, vectra):
    events = mixed_stream()
    fetched = published_fetch(events, 120, 250, types=("host",), statuses=("escalated", "open"))
    upgrade_from(platform, vectra, events, published_last_run(fetched, 250, types='["Host"]', statuses="Escalated, open"))
    drain(platform, vectra)
    scans = [call.query for call in vectra.api_calls() if call.query.get("include_triaged") == "false"
             and "detection_id" not in call.query]
    assert scans and all(query["type"] == "host" and query["investigation_status"] == "escalated,open" for query in scans)


@pytest.mark.parametrize(
    ("last_run", "filters"),
    [
        ({}, vr.FetchFilters(("account", "host"), False, False, ALL_ACTIVE)),
        ({"selected_types": "Account", "selected_statuses": '["closed", "bogus"]', "unresolved_priority": "True"},
         vr.FetchFilters(("account",), True, False, ("closed",))),
        ({"selected_types": ["Host", "Account"], "selected_statuses": ["Paused"], "unresolved_priority": False},
         vr.FetchFilters(("account", "host"), False, False, ("paused",))),
    ],
)
def test_the_published_filters_are_read_from_its_last_run_in_each_shape(last_run, filters):
    assert vr.published_filters(last_run) == filters


def test_filters_different_from_the_instances(platform, vectra):
    """Published: hosts, escalated only, prioritized (server-side, all at once). Instance: hosts and accounts, no
    filter. Account detections and non-escalated hosts were never fetched: they get incidents on new activity."""
    events = mixed_stream()
    fetched = published_fetch(events, 120, 250, types=("host",), statuses=("escalated",), unresolved=True)
    upgrade_from(platform, vectra, events, published_last_run(fetched, 250, types="Host", statuses="escalated",
                                                              unresolved="true"))
    created = drain(platform, vectra)
    assert_no_duplicate(created)
    assert set(created) == deserving(events, 250) - set(fetched)
    assert any(d % 3 == 0 for d in created)  # accounts too


def test_a_detection_fetched_outside_the_history_window_is_kept_by_id(platform, vectra):
    """A detection the published integration fetched although none of its events qualifies after the newest miss
    (it skipped events, its filters changed...) is remembered by ID: new events of it create nothing."""
    events = mixed_stream()
    fetched = published_fetch(events, first_read=120, checkpoint=250)
    outlier = min(d for d in deserving(events[:100], 0) if d not in fetched)
    upgrade_from(platform, vectra, events, published_last_run(sorted([*fetched, outlier]), 250))
    drain(platform, vectra)
    assert vr.decode_ids(platform.stored("fetch")["legacy"]) == {outlier}
    vectra.events.append(event(401, outlier))
    assert run_fetch(vectra) == []


def test_detections_kept_by_id_beyond_the_states_room_are_dropped_and_said_so(platform, vectra):
    """Thousands of fetched detections with no event in Vectra's history: the newest that fit are kept, the rest
    left out (a later event of theirs may create an incident), and the log says how many."""
    events = mixed_stream()
    fetched = published_fetch(events, first_read=120, checkpoint=250)
    unknown = list(range(1_000_000, 4_000_000, 1000))  # 3,000 IDs far apart
    upgrade_from(platform, vectra, events, published_last_run([*fetched, *unknown], 250))
    drain(platform, vectra)
    kept = vr.decode_ids(platform.stored("fetch")["legacy"])
    assert kept and kept < set(unknown) and max(kept) == max(unknown)
    assert any(f"{len(unknown) - len(kept)} detections fetched by the published integration" in line for line in platform.logs)
    assert len(json.dumps(platform.last_run)) + len(json.dumps(platform.context)) < 16_384


def test_the_conversion_resumes_in_the_next_run_when_the_budget_ends(platform, vectra):
    events = mixed_stream(detections=300, events=3000)
    fetched = published_fetch(events, first_read=800, checkpoint=2500)
    published = published_last_run(fetched, 2500)
    upgrade_from(platform, vectra, events, published)
    assert run_fetch(vectra, budget_s=10.5, seconds_per_request=1) == []  # a slow Vectra: one request's time
    progress = platform.last_run.pop("upgrade")
    assert platform.last_run == published  # the published last run is kept as it is until the conversion ends
    assert (progress["floor"], progress["stride"]) == (1500, 1000) and vr.decode_ids(progress["pending"]) < set(fetched)
    assert platform.stored("fetch") == {"v": 1, "upgrading": True}
    assert any("the next run continues" in line for line in platform.logs)
    created = drain(platform, vectra)
    assert_no_duplicate(created)
    assert set(created) == deserving(events, 2500) - set(fetched)


def test_a_crash_after_handing_over_incidents_creates_no_duplicate(platform, vectra):
    """The platform stops after creating the first incidents but before saving the last run: the integration context,
    written first, already holds the converted state."""
    events = mixed_stream()
    fetched = published_fetch(events, 120, 250)
    upgrade_from(platform, vectra, events, published_last_run(fetched, 250))
    first = run_fetch(vectra, max_fetch="5")
    platform.last_run = published_last_run(fetched, 250)  # the platform did not save the last run
    rest = drain(platform, vectra)
    assert_no_duplicate(first + rest)
    assert set(first + rest) == deserving(events, 250) - set(fetched)


def test_the_published_integration_fetched_from_the_very_first_event(platform, vectra):
    """No detection it missed: the scan reaches the start of the stream, and all the history counts."""
    events = mixed_stream()
    fetched = published_fetch(events, first_read=1, checkpoint=250)
    upgrade_from(platform, vectra, events, published_last_run(fetched, 250))
    created = drain(platform, vectra)
    assert set(created) == deserving(events, 250) - set(fetched)
    assert platform.stored("fetch")["start"] == 0


def test_a_sparse_stream_is_scanned_in_growing_windows(platform, vectra):
    """Events far apart (every 997th ID): each window that finds few events doubles the next, so reaching the
    published integration's first read takes a few requests; a dense part further back is read page by page."""
    dense = [event(n, 10_000 + n, "new") for n in range(1, 1201)]
    sparse = [event(2000 + 997 * n, 20_000 + n, "new") for n in range(1, 60)]
    events = dense + sparse
    checkpoint = sparse[-1]["id"]
    fetched = sorted({e["detection_id"] for e in events if e["id"] > 1100})  # its first read was event 1101
    upgrade_from(platform, vectra, events, published_last_run(fetched, checkpoint))
    assert run_fetch(vectra) == []
    assert platform.stored("fetch")["start"] == 1100
    windows = [call for call in vectra.api_calls() if call.query.get("include_triaged") == "false"]
    assert len(windows) < 12
    vectra.events += [event(checkpoint + 1, 11_150), event(checkpoint + 2, 10_050)]  # fetched, then missed before
    assert run_fetch(vectra) == [10_050]


def test_100000_fetched_ids_convert_into_a_bounded_state(platform, vectra):
    """The published last run holds 100,000 detection IDs; the converted state stays under 16 KB."""
    detections = 110_000
    fetched = list(range(10_001, detections + 1))  # everything from its first read (event 10,001) to its checkpoint
    upgrade_from(platform, vectra, [event(d, d, "new") for d in range(1, detections + 1)],
                 published_last_run(fetched, detections))
    assert run_fetch(vectra) == []
    assert len(json.dumps(platform.last_run)) + len(json.dumps(platform.context)) < 16_384
    assert platform.stored("fetch")["epochs"][0][0] == 10_001


def test_history_lookups_stay_inside_the_runs_time_budget(platform, vectra):
    """Every event after the checkpoint is a change of an older detection: each costs a history lookup. On a slow
    Vectra a run stops at its budget and the next one continues from that event; nothing is lost."""
    events = [event(d, d, "new") for d in range(1, 101)] + [event(100 + d, d) for d in range(1, 101)]
    upgrade_from(platform, vectra, events, published_last_run([], 100))
    created, runs = [], 0
    while platform.last_run.get("cursor") != 200 and runs < 20:
        before = len(vectra.calls)
        created += run_fetch(vectra, budget_s=30, seconds_per_request=1)
        runs += 1
        assert len(vectra.calls) - before <= 30
    assert sorted(created) == list(range(1, 101)) and runs > 3
