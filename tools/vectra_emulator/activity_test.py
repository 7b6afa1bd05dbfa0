"""The emulator's other streams (audits, entity scoring, lockdown, health) over HTTP: paging as the detection events
stream pages, and contents that follow what happens to detections and who did it."""

import pytest

pytestmark = pytest.mark.e2e


def drain(vectra_api, path, **params):
    events, checkpoint = [], None
    while True:
        page = vectra_api.get(path, params={**params, **({"from": checkpoint} if checkpoint is not None else {}),
                                            "limit": 7}).json()
        events += page["events"]
        if not page["events"] or not page["remaining_count"]:
            return events, page
        checkpoint = page["next_checkpoint"]


def test_audits_page_by_checkpoint_and_record_who_did_what(vectra_emulator, vectra_api):
    world = vectra_emulator.world
    history, last = drain(vectra_api, "/api/v3.5/events/audits")
    assert [e["id"] for e in history] == list(range(1, len(history) + 1)) and last["remaining_count"] == 0
    assert history == sorted(history, key=lambda e: e["event_timestamp"])
    assert {e["event_object"] for e in history} >= {"detection_tag", "detection", "user_session"}
    vectra_api.patch("/api/v3.5/detections", json={"detectionIdList": [1001], "investigation_status": "escalated"})
    world.analyst_add_note(1002, "from the Vectra UI")
    new = vectra_api.get("/api/v3.5/events/audits", params={"from": last["next_checkpoint"]}).json()["events"]
    by_client, by_analyst = new
    assert by_client["user_type"] == "API_CLIENT" and by_client["api_client_id"] == vectra_emulator.client_id
    assert by_client["message"] == "Investigation status of detections with ids [1001] changed to escalated"
    assert by_analyst["username"] == "vectra.analyst" and by_analyst["event_object"] == "detection_note"
    assert by_analyst["event_data"]["detection_note"]["detection_id"] == "1002"


def test_audits_filter_by_object_and_action(vectra_api):
    tags = vectra_api.get("/api/v3.5/events/audits", params={"event_object": "detection_tag", "limit": 1000}).json()
    assert tags["events"] and {e["event_object"] for e in tags["events"]} == {"detection_tag"}


def test_entity_scoring_follows_the_entitys_detections(vectra_emulator, vectra_api):
    world = vectra_emulator.world
    assert vectra_api.get("/api/v3.5/events/entity_scoring").status_code == 400  # type is required
    hosts, last = drain(vectra_api, "/api/v3.5/events/entity_scoring", type="host", include_score_decreases="true")
    assert hosts and {e["type"] for e in hosts} == {"host"} and {e["category"] for e in hosts} == {"HOST SCORING"}
    (detection_id,) = world.add_detections(1, entity_type="host")
    world.close_detections([detection_id], "benign")
    created, closed = vectra_api.get("/api/v3.5/events/entity_scoring",
                                     params={"type": "host", "from": last["next_checkpoint"]}).json()["events"]
    assert created["last_detection"]["id"] == detection_id and created["urgency_reason"] == "detection created"
    detection_type = world.detections[detection_id].detection_type
    assert detection_type in created["active_detection_types"]
    assert closed["urgency_reason"] == "detection closed"


def test_lockdown_and_health_are_snapshots_that_change(vectra_emulator, vectra_api):
    world = vectra_emulator.world
    locked = vectra_api.get("/api/v3.5/lockdown").json()
    assert len(locked) == 3 and {e["type"] for e in locked} <= {"host", "account"}
    world.unlock_entity(locked[0]["type"], locked[0]["entity_id"])
    assert len(vectra_api.get("/api/v3.5/lockdown").json()) == 2
    assert vectra_api.get("/api/v3.5/lockdown", params={"type": "host"}).json() == world.lockdown_list("host")
    health = vectra_api.get("/api/v3.5/health").json()
    assert vectra_api.get("/api/v3.5/health").json() == health  # unchanged while nothing happens
    world.advance_clock(60)
    world.set_health(sensor_down=True)
    changed = vectra_api.get("/api/v3.5/health").json()
    assert changed != health and changed["connectivity"]["sensors"][0]["status"] == "Down"
