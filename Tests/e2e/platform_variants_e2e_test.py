"""The pack under platform behaviour nobody has recorded, each way the platform might behave.

- After a failed incoming cycle the platform asks again from the same lastUpdate, or moves on to a new one: either
  way every detection the failed cycle handed out reaches its incident in the next cycle.
- Closed incidents get incoming mirroring, or none until reopened: without it a closed incident cannot follow Vectra
  (the verdict says why, per incident), and once the analyst reopens it, the next cycle brings it up to date.
"""

import pytest

from Tests.e2e.helpers import engine_for, fetch_until_quiet
from tools.xsoar_local.mirroring import Mirroring, PlatformVariant
from tools.xsoar_local.soak_verdict import echoes, side_verdict

pytestmark = pytest.mark.e2e


def staged(make_vectra_emulator, tmp_path, variant):
    vectra = make_vectra_emulator(seed=43, entities=20, detections=40, events=240, history_hours=48)
    engine = engine_for(vectra, tmp_path, max_fetch="200", close_incident_on_detection_closure=True)
    fetch_until_quiet(engine)
    mirroring = Mirroring(engine, "vectra", variant)
    for _ in range(2):  # bring every incident up to date, and let the closes it applied settle
        mirroring.cycle()
    return vectra, engine, mirroring


def incidents_by_detection(engine):
    return {int(incident["dbotMirrorId"]): incident for incident in engine.store.incidents()}


def open_detections(vectra, engine, count):
    incidents = incidents_by_detection(engine)
    chosen = [d for d, incident in sorted(incidents.items())
              if incident.get("status") != 2 and vectra.world.detections[d].state == "active"]
    return chosen[:count], incidents


@pytest.mark.parametrize("failed_cycle", ["asks-again", "moves-on"])
def test_a_failed_cycle_loses_no_update_whether_the_platform_asks_again_or_moves_on(make_vectra_emulator, tmp_path,
                                                                                 failed_cycle):
    vectra, engine, mirroring = staged(make_vectra_emulator, tmp_path, PlatformVariant(failed_cycle=failed_cycle))
    changed, _ = open_detections(vectra, engine, 6)
    vectra.world.analyst_set_status(changed, "escalated")
    for detection_id in changed[:3]:
        vectra.world.analyst_add_note(detection_id, f"MDR note on {detection_id}")
    assert engine.run("vectra", "fetch-incidents").ok
    last_update = engine.store.platform_value("vectra", "mirror_last_update")

    vectra.faults.configure(server_error_requests=1, server_error_status=400)  # the first pull fails for good
    failed = mirroring.incoming()
    assert failed.errors and failed.remote_data_calls == 1
    moved_on = engine.store.platform_value("vectra", "mirror_last_update") != last_update
    assert moved_on == (failed_cycle == "moves-on")

    recovered = mirroring.incoming()
    assert not recovered.errors
    assert set(map(int, recovered.modified_ids)) >= set(changed)
    verdict = side_verdict(vectra.world, engine.store, "vectra")
    assert verdict["problems"] == [] and echoes(vectra.world, engine.store, "vectra") == []


def test_without_mirroring_into_closed_incidents_a_closed_one_waits_for_its_reopen(make_vectra_emulator, tmp_path):
    variant = PlatformVariant(closed_incidents="not-mirrored")
    vectra, engine, mirroring = staged(make_vectra_emulator, tmp_path, variant)
    (detection_id,), incidents = open_detections(vectra, engine, 1)
    incident_id = incidents[detection_id]["id"]
    engine.close_incident(incident_id, "Resolved", "handled")
    mirroring.cycle()
    assert vectra.world.detections[detection_id].state == "fixed"

    # Vectra reopens the detection and its analysts go on working on it: the closed incident cannot follow.
    vectra.world.open_detections([detection_id])
    vectra.world.analyst_set_status([detection_id], "escalated")
    vectra.world.analyst_add_note(detection_id, "still beaconing after the reimage")
    assert engine.run("vectra", "fetch-incidents").ok
    incoming = mirroring.incoming()
    assert incident_id not in incoming.incidents_updated
    assert engine.store.incident(incident_id)["status"] == 2
    verdict = side_verdict(vectra.world, engine.store, "vectra", closed_mirrored=False)
    assert verdict["problems"] == []
    assert sum(verdict["explained"].values()) >= 3  # state, status, the note: each explained, none silently dropped
    assert side_verdict(vectra.world, engine.store, "vectra")["problems"], "the same state, judged as if mirrored"

    # The analyst reopens it in XSOAR: the next cycle brings it up to date, though Vectra changed nothing since.
    engine.reopen_incident(incident_id)
    mirroring.cycle()
    mirroring.cycle()
    incident = engine.store.incident(incident_id)
    assert incident["status"] == 1
    assert incident["CustomFields"]["vectraruxinvestigationstatus"] == vectra.world.detections[detection_id].investigation_status
    assert any("still beaconing after the reimage" in str(entry.get("Contents")) for entry in engine.store.entries(incident_id))
    verdict = side_verdict(vectra.world, engine.store, "vectra", closed_mirrored=False)
    assert verdict["problems"] == [] and echoes(vectra.world, engine.store, "vectra") == []
