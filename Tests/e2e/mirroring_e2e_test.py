"""Mirroring both ways, end to end: 50 incidents, changes made in Vectra and in XSOAR over several cycles of the
platform's mirroring job. Both sides end equal, no note echoes, and each cycle costs at most one Vectra request per
changed incident: fetch has read the events stream already and noted what changed."""

import pytest

from Tests.e2e.helpers import engine_for, fetch_until_quiet
from tools.xsoar_local.mirroring import Mirroring
from tools.xsoar_local.soak_verdict import echoes, side_mismatches

pytestmark = pytest.mark.e2e


@pytest.fixture
def setup(make_vectra_emulator, tmp_path):
    vectra = make_vectra_emulator(seed=41, entities=30, detections=60, events=400, history_hours=48)
    engine = engine_for(vectra, tmp_path, max_fetch="200", close_incident_on_detection_closure=True)
    fetch_until_quiet(engine)
    assert len(engine.store.incidents()) >= 50
    mirroring = Mirroring(engine, "vectra")
    mirroring.cycle()  # the first cycle brings every incident up to date with what happened after its creation
    mirroring.cycle()  # ... and the closes it applied go out (and are recognised as Vectra's own)
    return vectra, engine, mirroring


def by_detection(engine):
    return {int(incident["dbotMirrorId"]): incident for incident in engine.store.incidents()}


def measured_cycle(vectra, mirroring):
    """One run of the platform's jobs: outgoing mirroring, fetch, incoming mirroring (which reads up to where fetch
    stands); returns (outgoing report, incoming report, Vectra requests made by the incoming half)."""
    outgoing = mirroring.outgoing()
    assert mirroring.engine.run("vectra", "fetch-incidents").ok
    vectra.reset_counters()
    incoming = mirroring.incoming()
    return outgoing, incoming, vectra.api_requests()


def changed_since(vectra, event_id, detections):
    return {e.detection_id for e in vectra.world.events if e.id > event_id} & set(detections)


def test_both_sides_end_equal_with_bounded_requests_and_no_echo(setup):
    vectra, engine, mirroring = setup
    world = vectra.world
    incidents = by_detection(engine)
    detections = sorted(incidents)
    from_vectra, from_xsoar = detections[:15], detections[15:30]

    # Round 1: analysts work on both sides.
    mark = world.latest_event_id()
    world.analyst_set_status(from_vectra[:5], "escalated")
    for detection_id in from_vectra[5:10]:
        world.analyst_add_note(detection_id, f"MDR note on {detection_id}")
    for detection_id in from_vectra[10:15]:
        world.replace_tags("detection", detection_id, sorted({*world.detections[detection_id].tags, "vectra-side"}))
    world.add_observations(from_vectra[:3])
    for detection_id in from_xsoar[:5]:
        engine.edit_incident(incidents[detection_id]["id"], {"vectraruxinvestigationstatus": "acknowledged"})
    for detection_id in from_xsoar[5:10]:
        engine.edit_incident(incidents[detection_id]["id"], {"vectraruxexternalreferenceid": f"INC-{detection_id}"})
        engine.add_note(incidents[detection_id]["id"], f"XSOAR note on {detection_id}", tags=["note"])
    for detection_id in from_xsoar[10:15]:
        current = list(engine.store.incident(incidents[detection_id]["id"]).get("tags") or [])
        engine.edit_incident(incidents[detection_id]["id"], {"tags": [*current, "xsoar-side"]})

    outgoing, incoming, requests = measured_cycle(vectra, mirroring)
    assert outgoing.outgoing_calls == 15 and not outgoing.errors and not incoming.errors
    changed = changed_since(vectra, mark, detections)
    assert incoming.remote_data_calls == len(changed) == len(incoming.incidents_updated)
    assert requests == len(changed)  # one per changed incident: fetch noted the changes while reading the stream

    # Round 2: closes, reopens and a note too long for Vectra.
    mark = world.latest_event_id()
    for detection_id in from_xsoar[:3]:
        engine.close_incident(incidents[detection_id]["id"], "Resolved", f"Closed from XSOAR {detection_id}")
    world.close_detections(from_vectra[:3], "benign")
    engine.add_note(incidents[detections[40]]["id"], "x" * 8000, tags=["note"])
    outgoing, incoming, requests = measured_cycle(vectra, mirroring)
    assert len(outgoing.errors) == 1 and "accepts at most 8000" in outgoing.errors[0]
    war_room = engine.store.entries(incidents[detections[40]]["id"])
    assert any(entry["Type"] == 4 and "was not added to Vectra" in entry["Contents"] for entry in war_room)
    assert requests <= len(changed_since(vectra, mark, detections))

    mark = world.latest_event_id()
    engine.reopen_incident(incidents[from_xsoar[0]]["id"])
    world.open_detections([from_vectra[0]])
    for _ in range(3):  # let every echo (a close applied on one side shows up on the other) settle
        measured_cycle(vectra, mirroring)

    assert_sides_equal(vectra, engine)
    assert_no_echo(vectra, engine)
    assert world.detections[from_xsoar[0]].state == "active"
    assert engine.store.incident(incidents[from_vectra[0]]["id"])["status"] == 1
    for detection_id in from_xsoar[1:3]:
        assert world.detections[detection_id].state == "fixed" and world.detections[detection_id].reason == "remediated"
    for detection_id in from_vectra[1:3]:
        incident = engine.store.incident(incidents[detection_id]["id"])
        assert incident["status"] == 2 and incident["closeNotes"].startswith("Closed in Vectra")
        assert world.detections[detection_id].investigation_status != "closed"  # the close from Vectra was not pushed back

    # Quiet cycles cost nothing.
    outgoing, incoming, requests = measured_cycle(vectra, mirroring)
    assert incoming.remote_data_calls == 0 and requests == 0


def assert_sides_equal(vectra, engine):
    assert side_mismatches(vectra.world, engine.store, "vectra") == []


def assert_no_echo(vectra, engine):
    assert echoes(vectra.world, engine.store, "vectra") == []
