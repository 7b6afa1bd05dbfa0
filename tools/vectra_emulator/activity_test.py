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
    world.advance_clock(600)
    later = vectra_api.get("/api/v3.5/health").json()
    assert without_clocks(later) == without_clocks(health)  # what it says is unchanged while nothing happens
    assert later["event_timestamp"] > health["event_timestamp"] and later["system"]["uptime"] != health["system"]["uptime"]
    assert later["cpu"]["updated_at"] > health["cpu"]["updated_at"] and later["sensors"][0]["last_seen"] > health[
        "sensors"][0]["last_seen"]  # but its clocks move: the answer's time, the checks, the heartbeats
    world.set_health(sensor_down=True)
    changed = vectra_api.get("/api/v3.5/health").json()
    assert without_clocks(changed) != without_clocks(health) and changed["event_timestamp"] >= later["event_timestamp"]
    down, up = changed["connectivity"]["sensors"]
    assert down["status"] == "CRITICAL" and len(down["affected_metadata_hours"]) == 3 and up["status"] == "OK"
    assert changed["trafficdrop"]["sensors"][0]["status"] == "WARNING" and changed["detection"]["status"] == "CRITICAL"
    world.advance_clock(600)
    stopped = vectra_api.get("/api/v3.5/health").json()["sensors"]
    assert stopped[0]["last_seen"] == changed["sensors"][0]["last_seen"] < health["sensors"][0]["last_seen"]
    assert stopped[1]["last_seen"] > changed["sensors"][1]["last_seen"]  # the other sensor still reports
    assert [s["luid"] for s in changed["sensors"]] == [s["luid"] for s in health["sensors"]]  # the same appliances


CLOCKS = {"event_timestamp", "updated_at", "gmt", "uptime", "last_seen"}


def without_clocks(value):
    if isinstance(value, dict):
        return {key: without_clocks(item) for key, item in value.items() if key not in CLOCKS}
    if isinstance(value, list):
        return [without_clocks(item) for item in value]
    return value


def test_entity_tags_and_notes_are_audited_as_vectra_records_them(vectra_emulator, vectra_api):
    world = vectra_emulator.world
    history, last = drain(vectra_api, "/api/v3.5/events/audits")
    tagged = [e for e in world.entities.values() if e.tags]
    assert len([e for e in history if e["event_object"] in ("account_tags", "host_tags")]) == len(tagged)
    account = next(e for e in sorted(world.entities.values(), key=lambda e: e.key) if e.type == "account")
    before = list(account.tags)
    vectra_api.patch(f"/api/v3.5/tagging/entity/{account.id}", params={"type": "account"}, json={"tags": ["vip", "x"]})
    note = vectra_api.post(f"/api/v3.5/entities/{account.id}/notes", params={"type": "account"}, json={"note": "n"}).json()
    tags, noted = vectra_api.get("/api/v3.5/events/audits", params={"from": last["next_checkpoint"]}).json()["events"]
    assert (tags["event_object"], tags["event_action"], tags["event_data"]) == ("account_tags", "updated", {})
    assert tags["message"] == f"[table:linked_account][id:{account.id}] with tags {before!r} was changed to ['vip', 'x']"
    assert tags["user_type"] == "API_CLIENT" and tags["api_client_id"] == vectra_emulator.client_id
    assert noted["event_data"] == {"account_note": {"note_id": str(note["id"]), "account_id": str(account.id)}}
