"""The XSIAM event collector end to end: the emulator's five streams, fetch-events in new interpreters through the
local engine, and the engine playing XSIAM's HTTP collector (what it received is stored per dataset in SQLite).
Compared with the emulator's own record of its streams: nothing lost, nothing sent twice except where a failure
says so — and then at most one page."""

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from Tests.e2e.helpers import ROOT
from tools.vectra_emulator.expected import stream_ids
from tools.xsoar_local.engine import Engine

pytestmark = pytest.mark.e2e
COLLECTOR = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUXEventCollector"
DATASET = "vectra_rux_raw"


@pytest.fixture
def setup(make_vectra_emulator, tmp_path):
    vectra = make_vectra_emulator(seed=31, entities=30, detections=200, events=2500, history_hours=48)
    engine = Engine(state_dir=tmp_path / "xsiam", isolation="process")
    engine.set_instance("collector", COLLECTOR, vectra.instance_params(first_fetch="24 hours"))
    return vectra, engine


def expected_ids(vectra, since: str) -> dict[str, list]:
    return stream_ids(vectra.world, since)


def stored_ids(engine, stream) -> list:
    return [event["id"] for event in engine.store.dataset_events(DATASET, stream)]


def fetch_ok(engine):
    result = engine.run("collector", "fetch-events")
    assert result.ok, result.error
    return result


def test_first_run_collects_every_stream_from_first_fetch_time_and_a_caught_up_run_sends_nothing(setup):
    vectra, engine = setup
    fetch_ok(engine)
    since = (vectra.world.now() - timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ")
    expected = expected_ids(vectra, since)
    for stream, ids in expected.items():
        assert sorted(stored_ids(engine, stream)) == sorted(ids), stream
    assert len(engine.store.dataset_events(DATASET, "lockdown")) == len(vectra.world.lockdown_list())
    assert len(engine.store.dataset_events(DATASET, "health")) == 1
    posts = len(engine.store.collector_posts())
    fetch_ok(engine)
    assert len(engine.store.collector_posts()) == posts  # caught up: nothing new sent
    vectra.world.add_detections(3)
    locked = vectra.world.lockdown_list()[0]
    vectra.world.unlock_entity(locked["type"], locked["entity_id"])
    fetch_ok(engine)
    counts = engine.store.dataset_counts(DATASET)
    assert counts["detections"] == len(expected["detections"]) + 3
    assert counts["lockdown"] == 2 * len(vectra.world.lockdown_list()) + 1  # the new, shorter list was sent


def test_what_the_collector_received_is_what_the_platform_sends(setup):
    vectra, engine = setup
    fetch_ok(engine)
    post = engine.store.collector_posts()[0]
    assert post["url"] == "https://api-xsiam.local/logs/v1/xsiam" and post["status"] == 200
    headers = post["headers"]
    assert {headers[k] for k in ("vendor", "product", "format", "content-encoding", "collector-name", "instance-name")} == {
        "Vectra", "RUX", "json", "gzip", "VectraRUXEventCollector", "collector"}
    assert headers["final-reporting-device"] == vectra.url
    event = engine.store.dataset_events(DATASET, "audits", limit=1)[0]
    assert event["_time"].endswith("Z") and event["source_stream"] == "audits"


def test_a_collector_429_then_success_loses_nothing(setup):
    vectra, engine = setup
    engine.store.queue_collector_answers([{"status": 429, "json": {"error": "rate limited"}}])
    fetch_ok(engine)
    statuses = [post["status"] for post in engine.store.collector_posts()]
    assert statuses[:2] == [429, 200]
    assert all(count == 1 for count in Counter(stored_ids(engine, "detections")).values())


def test_a_collector_500_fails_the_run_and_the_next_resends_only_the_refused_page(setup):
    vectra, engine = setup
    engine.store.queue_collector_answers([{"ok": True}, {"status": 500, "json": {"error": "broke"}}])
    failed = engine.run("collector", "fetch-events")
    assert not failed.ok and "Error sending new events into XSIAM" in failed.error
    first, refused = engine.store.collector_posts()
    assert (first["status"], refused["status"]) == (200, 500) and 0 < refused["events"] <= 1000
    fetch_ok(engine)
    assert engine.store.collector_posts()[2]["events"] == refused["events"]  # the refused page, sent again
    since = (vectra.world.now() - timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for stream, ids in expected_ids(vectra, since).items():
        assert sorted(stored_ids(engine, stream)) == sorted(ids), stream  # nothing lost, nothing twice


def test_a_lost_answer_sends_at_most_one_page_again(setup, capsys):
    """The collector took a page but its answer never came back (the sender crashed): that page only is sent again."""
    vectra, engine = setup
    engine.store.queue_collector_answers([{"ok": True}, {"lost": True}])
    assert not engine.run("collector", "fetch-events").ok
    fetch_ok(engine)
    lost_page = engine.store.collector_posts()[1]
    assert lost_page["status"] == 0  # stored, never answered
    duplicates = sum(count - 1 for stream in ("audits", "detections", "entity_scoring")
                     for count in Counter(stored_ids(engine, stream)).values())
    with capsys.disabled():
        print(f"\nxsiam: a lost answer: {duplicates} duplicate events (the page of {lost_page['events']} sent again)")
    assert duplicates == lost_page["events"] and 0 < duplicates <= 1000


def test_a_crash_between_sending_and_saving_the_last_run_duplicates_nothing(setup, capsys):
    vectra, engine = setup
    engine.fail_before_last_run = True
    assert not engine.run("collector", "fetch-events").ok
    engine.fail_before_last_run = False
    fetch_ok(engine)
    duplicates = sum(count - 1 for stream in ("audits", "detections", "entity_scoring")
                     for count in Counter(stored_ids(engine, stream)).values())
    with capsys.disabled():
        print(f"\nxsiam: a crash before the last run was saved: {duplicates} duplicate events")
    assert duplicates == 0


def test_the_events_command_of_the_engine_shows_a_stream(setup, capsys):
    from tools.xsoar_local.__main__ import main

    vectra, engine = setup
    fetch_ok(engine)
    assert main(["--state", str(Path(engine.state_dir)), "events", "--dataset", DATASET, "--stream", "health"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith(f"{DATASET}: ") and '"source_stream": "health"' in printed[1]
