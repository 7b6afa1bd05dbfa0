"""The pack content end to end: incidents fetched from the emulator, the five layout buttons clicked through the local
engine (which resolves their `${incident.x}` arguments from the real layout), and the playbooks run task by task.
What each button or playbook should do is worked out from the emulator's world and the engine's store, not from
the scripts' code."""

import pytest

from Tests.e2e.helpers import engine_for, fetch_until_quiet
from tools.xsoar_local.playbooks import run_playbook

pytestmark = pytest.mark.e2e
FROM_XSOAR, FROM_VECTRA = "[Mirrored From XSOAR]", "[Mirrored From Vectra]"
CLOSED = 2


@pytest.fixture
def setup(make_vectra_emulator, tmp_path):
    vectra = make_vectra_emulator(seed=53, entities=10, detections=50, events=300, history_hours=48)
    engine = engine_for(vectra, tmp_path, max_fetch="200")
    fetch_until_quiet(engine)
    assert len(engine.store.incidents()) >= 30
    return vectra, engine


def shown(entry):
    """What the War Room shows for an entry."""
    return entry.get("HumanReadable") or str(entry.get("Contents"))


def fields(engine, incident_id):
    return engine.store.incident(incident_id)["CustomFields"]


def incidents_of_busiest_entity(engine):
    by_entity: dict = {}
    for incident in engine.store.incidents():
        custom = incident["CustomFields"]
        by_entity.setdefault((custom["vectraruxentitytype"], custom["vectraruxentityid"]), []).append(incident)
    return max(by_entity.values(), key=len)


def test_link_incidents_for_this_entity_links_the_other_open_incidents_of_that_entity(setup):
    _, engine = setup
    group = incidents_of_busiest_entity(engine)
    assert len(group) >= 4
    current, closed = group[0], group[1]
    engine.close_incident(closed["id"], "Resolved")
    same_id_other_type = [i for i in engine.store.incidents()
                          if i["CustomFields"]["vectraruxentityid"] == current["CustomFields"]["vectraruxentityid"]
                          and i["CustomFields"]["vectraruxentitytype"] != current["CustomFields"]["vectraruxentitytype"]]

    result = engine.press_button(current["id"], "Link Incidents for this Entity")

    assert result.ok, result.error
    expected = {i["id"] for i in group[2:]}
    assert set(engine.store.linked(current["id"])) == expected
    assert not {i["id"] for i in same_id_other_type} & set(engine.store.linked(current["id"]))
    assert f"Linked {len(expected)} incident(s)" in shown(result.entries[-1])


def test_link_incidents_for_this_external_reference_id(setup):
    _, engine = setup
    incidents = engine.store.incidents()
    ticket = [incidents[3], incidents[7], incidents[11]]
    for incident in ticket:
        engine.edit_incident(incident["id"], {"vectraruxexternalreferenceid": "INC-4242"})
    engine.edit_incident(incidents[12]["id"], {"vectraruxexternalreferenceid": "INC-9999"})

    result = engine.press_button(ticket[0]["id"], "Link Incidents for this External Reference ID")

    assert result.ok, result.error
    assert set(engine.store.linked(ticket[0]["id"])) == {ticket[1]["id"], ticket[2]["id"]}
    without = engine.press_button(incidents[20]["id"], "Link Incidents for this External Reference ID")
    assert without.ok and "has no External Reference ID value" in shown(without.entries[-1])


def test_sync_entity_assignment_fills_then_clears_the_fields(setup):
    vectra, engine = setup
    world = vectra.world
    incident = next(i for i in engine.store.incidents()
                    if world._current_assignment(world.entity(i["CustomFields"]["vectraruxentitytype"],
                                                              i["CustomFields"]["vectraruxentityid"])) is None)
    custom = incident["CustomFields"]
    entity_type, entity_id = custom["vectraruxentitytype"], custom["vectraruxentityid"]
    created = world.create_assignment(21, entity_type, entity_id, {"id": 1, "username": "soc.lead"})
    resolved = world.resolve_assignment(created["id"], 1, "Known admin activity", None, [], {"id": 1, "username": "soc.lead"})

    assert engine.press_button(incident["id"], "Sync Entity Assignment").ok
    synced = fields(engine, incident["id"])
    assert synced["vectraruxentityassignmentid"] == created["id"]
    assert synced["vectraruxentityassignmentassignedto"] == world.user(21)["name"]
    assert synced["vectraruxentityassignmentassignedby"] == "soc.lead"
    assert synced["vectraruxentityassignmentoutcome"] == resolved["outcome"]["title"]
    assert synced["vectraruxentityassignmentresolveddate"] == resolved["date_resolved"]

    world.delete_assignment(created["id"])
    assert engine.press_button(incident["id"], "Sync Entity Assignment").ok
    cleared = fields(engine, incident["id"])
    assert all(cleared[name] in ("", None) for name in cleared if name.startswith("vectraruxentityassignment"))


def test_sync_detection_summary_and_edr_process_context(setup):
    vectra, engine = setup
    world = vectra.world
    with_edr = [i for i in engine.store.incidents()
                if world.detections[int(i["dbotMirrorId"])].process_context_data]
    assert with_edr, "the seeded world should hold a detection with EDR context"
    incident = with_edr[0]
    detection = world.detections[int(incident["dbotMirrorId"])]

    assert engine.press_button(incident["id"], "Sync Detection Summary and EDR Process Context").ok
    synced = engine.store.incident(incident["id"])
    edr = detection.process_context_data["crowdstrike"]
    assert synced["CustomFields"]["vectraruxprocesscontextquerystatus"] == edr["query_status"]
    assert synced["CustomFields"]["vectraruxprocesscontextprocesses"] == edr["processes"]
    assert synced["CustomFields"]["vectraruxprocesscontextquerylink"] == edr["urls"]["query_link"]
    assert f"Detection {detection.id}: {detection.detection_type}" in synced["details"]


def test_sync_detection_notes_adds_each_vectra_note_once_and_never_xsoar_ones(setup):
    vectra, engine = setup
    world = vectra.world
    incident = engine.store.incidents()[0]
    detection_id = int(incident["dbotMirrorId"])
    world.analyst_add_note(detection_id, "MDR: beaconing confirmed")
    world.analyst_add_note(detection_id, f"{FROM_XSOAR}\nNote: written in XSOAR")

    def vectra_notes_in_war_room():
        return [e for e in engine.store.entries(incident["id"]) if str(e.get("Contents", "")).startswith(FROM_VECTRA)]

    assert engine.press_button(incident["id"], "Sync Detection Notes").ok
    first = vectra_notes_in_war_room()
    expected = [n for n in world.detections[detection_id].notes if not n["note"].startswith(FROM_XSOAR)]
    assert len(first) == len(expected) >= 1
    assert any("MDR: beaconing confirmed" in e["Contents"] for e in first)

    assert engine.press_button(incident["id"], "Sync Detection Notes").ok
    assert len(vectra_notes_in_war_room()) == len(first)  # the cache remembers what was delivered
    world.analyst_add_note(detection_id, "MDR: host isolated")
    assert engine.press_button(incident["id"], "Sync Detection Notes").ok
    assert len(vectra_notes_in_war_room()) == len(first) + 1


def test_a_button_that_failed_while_vectra_was_down_works_when_pressed_again(setup):
    """Its error entry stays in the War Room; the next press reads the War Room with it and syncs (found by the soak)."""
    vectra, engine = setup
    incident = engine.store.incidents()[1]
    vectra.world.analyst_add_note(int(incident["dbotMirrorId"]), "MDR: lateral movement stopped")
    vectra.faults.configure(server_error_requests=50, server_error_status=400)
    failed = engine.press_button(incident["id"], "Sync Detection Notes")
    assert not failed.ok and any(entry["Type"] == 4 for entry in engine.store.entries(incident["id"]))
    vectra.faults.clear()
    again = engine.press_button(incident["id"], "Sync Detection Notes")
    assert again.ok, again.error
    assert any("MDR: lateral movement stopped" in str(e.get("Contents")) for e in engine.store.entries(incident["id"]))


def test_expire_inactive_detections_playbook(setup):
    vectra, engine = setup
    world = vectra.world
    incidents = engine.store.incidents()
    detections = [int(i["dbotMirrorId"]) for i in incidents]
    quiet = [d for d in detections if world.detections[d].state == "active"
             and world.detections[d].investigation_status not in ("closed", "expired")][:6]
    assert len(quiet) == 6
    world.make_inactive(quiet)
    closed_incident = next(i for i in incidents if int(i["dbotMirrorId"]) == quiet[0])
    engine.close_incident(closed_incident["id"], "Resolved")  # closed incidents are not the playbook's business
    before = {d: world.detections[d].investigation_status for d in detections}

    run = run_playbook(engine, "Expire Inactive Detections - Vectra RUX")

    assert run.ok, run.error
    expired = {d for d in detections if world.detections[d].investigation_status == "expired"}
    assert expired == set(quiet[1:])
    assert all(world.detections[d].investigation_status == before[d] for d in detections if d not in expired)
    assert "Find Detection State and Expire Inactive Detections - Vectra RUX" in run.tasks


def test_expire_playbook_does_nothing_without_the_integration(setup, tmp_path):
    vectra, _ = setup
    from tools.xsoar_local.engine import Engine

    bare = Engine(state_dir=tmp_path / "bare", isolation="module")
    run = run_playbook(bare, "Expire Inactive Detections - Vectra RUX")
    assert run.ok and "Find Detection State and Expire Inactive Detections - Vectra RUX" not in run.tasks


def test_the_test_playbook_passes_on_a_working_instance(setup):
    _, engine = setup
    run = run_playbook(engine, "Vectra RUX - Test")
    assert run.ok, run.error
    assert "Fail" not in run.tasks and run.tasks[-1] == "Done"
