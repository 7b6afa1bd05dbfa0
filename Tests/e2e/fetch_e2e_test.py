"""fetch-incidents end to end: the emulator's tenant, the local engine running the pack as XSOAR does."""

import pytest

from Tests.e2e.helpers import engine_for, fetch_until_quiet, fetched_detections, qualifying_detections

pytestmark = pytest.mark.e2e


def test_one_incident_per_qualifying_detection_then_only_new_ones(make_vectra_emulator, tmp_path):
    vectra = make_vectra_emulator(seed=31, detections=120, events=1500, history_hours=48)
    engine = engine_for(vectra, tmp_path, max_fetch="25")
    runs = fetch_until_quiet(engine)
    expected = qualifying_detections(vectra.world)
    assert fetched_detections(engine) == sorted(expected)
    assert runs >= 5  # 120 detections at 25 a run, then a quiet run

    old = sorted(expected)[:10]
    vectra.world.add_observations(old)
    vectra.world.analyst_set_status(old[:3], "acknowledged")
    new = vectra.world.add_detections(4)
    fetch_until_quiet(engine)
    assert fetched_detections(engine) == sorted(expected | set(new))


def test_escalated_only_picks_up_late_escalations(make_vectra_emulator, tmp_path):
    vectra = make_vectra_emulator(seed=32, detections=80, events=900, history_hours=48)
    engine = engine_for(vectra, tmp_path, only_escalated_detections=True)
    fetch_until_quiet(engine)
    expected = qualifying_detections(vectra.world, escalated=True)
    assert fetched_detections(engine) == sorted(expected)

    quiet = [d.id for d in vectra.world.detections.values() if d.id not in expected and d.investigation_status == "open"
             and not d.triaged and d.state != "fixed"][:3]
    assert quiet
    vectra.world.analyst_set_status(quiet, "escalated")
    vectra.world.add_observations(quiet)
    fetch_until_quiet(engine)
    assert fetched_detections(engine) == sorted(expected | set(quiet))


def test_prioritized_or_escalated_and_entity_type_filters(make_vectra_emulator, tmp_path):
    vectra = make_vectra_emulator(seed=33, detections=80, events=900, history_hours=48)
    engine = engine_for(vectra, tmp_path, only_escalated_detections=True, only_prioritized_detections=True,
                        entity_types=["Host"])
    fetch_until_quiet(engine)
    expected = qualifying_detections(vectra.world, entity_types=("host",), prioritized=True, escalated=True)
    assert fetched_detections(engine) == sorted(expected)
    assert expected > qualifying_detections(vectra.world, entity_types=("host",), escalated=True)


def test_each_command_runs_in_a_new_interpreter_with_the_same_result(make_vectra_emulator, tmp_path):
    vectra = make_vectra_emulator(seed=34, detections=30, events=300, history_hours=48)
    engine = engine_for(vectra, tmp_path, isolation="process", max_fetch="20")
    assert engine.run("vectra", "test-module").entries[0]["Contents"] == "ok"
    fetch_until_quiet(engine)
    assert fetched_detections(engine) == sorted(qualifying_detections(vectra.world))
    incident = engine.store.incidents()[0]
    assert incident["name"].startswith("Vectra RUX Events Detection: ") and " — " in incident["name"]
    assert incident["dbotMirrorDirection"] == "Both" and incident["dbotMirrorInstance"] == "vectra"
    assert incident["type"] == "Vectra RUX Events Detection"


def test_a_server_failure_after_creating_incidents_creates_no_duplicate(make_vectra_emulator, tmp_path):
    vectra = make_vectra_emulator(seed=35, detections=60, events=500, history_hours=48)
    engine = engine_for(vectra, tmp_path, max_fetch="10")
    engine.run("vectra", "fetch-incidents")
    engine.fail_before_last_run = True
    assert not engine.run("vectra", "fetch-incidents").ok
    engine.fail_before_last_run = False
    fetch_until_quiet(engine)
    detections = fetched_detections(engine)
    assert len(detections) == len(set(detections)) and set(detections) == qualifying_detections(vectra.world)
