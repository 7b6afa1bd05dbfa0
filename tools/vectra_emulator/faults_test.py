"""Each fault the emulator can inject, switched on at start or while it runs, and switching itself off again."""

import json
import time

import pytest
import requests

from tools.vectra_emulator.fixtures import ApiSession

USERS = "/api/v3.5/users"


def test_expire_all_tokens_now(vectra_emulator, vectra_api):
    assert vectra_api.get(USERS).status_code == 200
    vectra_api.session.post(f"{vectra_emulator.url}/_emulator/faults", json={"expire_tokens_now": True})
    assert vectra_api.get(USERS).status_code == 401
    vectra_api.authenticate()
    assert vectra_api.get(USERS).status_code == 200


def test_tokens_expire_after_n_requests(vectra_emulator, vectra_api):
    vectra_api.authenticate()
    vectra_emulator.faults.configure(expire_tokens_after_requests=2)
    assert [vectra_api.get(USERS).status_code for _ in range(4)] == [200, 200, 401, 401]


def test_refresh_tokens_can_be_expired_while_running(vectra_emulator, vectra_api):
    grant = vectra_api.authenticate()
    vectra_api.session.post(f"{vectra_emulator.url}/_emulator/faults", json={"expire_refresh_tokens_now": True})
    answer = vectra_api.session.post(f"{vectra_emulator.url}/oauth2/token",
                                     data={"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]})
    assert answer.status_code == 401


def test_refresh_refusals_then_refreshes_work_again(vectra_emulator, vectra_api):
    grant = vectra_api.authenticate()
    vectra_emulator.faults.configure(refuse_refresh_requests=1)
    form = {"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]}
    answers = [vectra_api.session.post(f"{vectra_emulator.url}/oauth2/token", data=form) for _ in range(2)]
    assert [a.status_code for a in answers] == [401, 200]
    assert answers[0].json()["error"] == "invalid_grant"


def test_unauthorized_burst(vectra_emulator, vectra_api):
    vectra_api.authenticate()
    vectra_emulator.faults.configure(unauthorized_requests=2)
    assert [vectra_api.get(USERS).status_code for _ in range(3)] == [401, 401, 200]


def test_rate_limit_with_retry_after(vectra_emulator, vectra_api):
    vectra_api.authenticate()
    vectra_emulator.faults.configure(rate_limit_requests=2, retry_after_s=7)
    first = vectra_api.get(USERS)
    assert first.status_code == 429 and first.headers["Retry-After"] == "7"
    assert [vectra_api.get(USERS).status_code for _ in range(2)] == [429, 200]
    assert vectra_emulator.api_requests("users", status=429) == 2


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_bursts(vectra_emulator, vectra_api, status):
    vectra_api.authenticate()
    vectra_emulator.faults.configure(server_error_requests=2, server_error_status=status)
    assert [vectra_api.get(USERS).status_code for _ in range(3)] == [status, status, 200]


def test_added_latency(vectra_emulator, vectra_api):
    vectra_api.authenticate()
    vectra_emulator.faults.configure(latency_ms=200)
    started = time.monotonic()
    assert vectra_api.get(USERS).status_code == 200
    assert time.monotonic() - started >= 0.2  # a lower bound that the injected sleep guarantees


def test_slow_requests_trip_client_timeouts(vectra_emulator, vectra_api):
    vectra_api.authenticate()
    vectra_emulator.faults.configure(slow_requests=1, slow_s=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        vectra_api.session.get(f"{vectra_emulator.url}{USERS}", headers={"Authorization": f"Bearer {vectra_api.token}"},
                               timeout=0.3)
    assert vectra_api.get(USERS).status_code == 200


def test_dropped_connections(vectra_emulator, vectra_api):
    vectra_api.authenticate()
    vectra_emulator.faults.configure(drop_connections=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        vectra_api.get(USERS)
    assert vectra_api.get(USERS).status_code == 200


def test_duplicate_events_across_pages(vectra_emulator, vectra_api):
    first = vectra_api.events(limit=10)
    vectra_emulator.faults.configure(duplicate_events=3)
    second = vectra_api.events(limit=10, **{"from": first["next_checkpoint"]})
    repeated = [event["id"] for event in second["events"][:3]]
    assert repeated == [event["id"] for event in first["events"][-3:]]


def test_out_of_order_timestamps(make_vectra_emulator):
    emulator = make_vectra_emulator(timestamp_jitter_s=3600, events=300)
    api = ApiSession(emulator)
    events = api.events(limit=300, include_info_category="true", include_triaged="true")["events"]
    ids = [event["id"] for event in events]
    stamps = [event["event_timestamp"] for event in events]
    assert ids == sorted(ids)
    assert stamps != sorted(stamps)


def test_malformed_events(vectra_emulator, vectra_api):
    vectra_emulator.faults.configure(malformed_events=True)
    events = vectra_api.events(limit=200, size="detailed", include_info_category="true", include_triaged="true")["events"]
    damaged = [event for event in events if event["id"] % 5 == 0]
    assert damaged and all("detection_id" in event for event in damaged)
    assert any("entity_name" not in event for event in damaged)
    assert any(event.get("tags", []) is None for event in damaged)
    assert any(event.get("threat") == "high" and isinstance(event["detection_id"], str) for event in damaged)
    intact = [event for event in events if event["id"] % 5]
    assert all("entity_name" in event and isinstance(event["detection_id"], int) for event in intact)
    vectra_emulator.faults.configure(malformed_events=False)
    assert all("entity_name" in e for e in vectra_api.events(limit=50, size="detailed")["events"])


def test_huge_notes(vectra_emulator, vectra_api):
    detection = vectra_emulator.world.add_detections(1)[0]
    vectra_emulator.world.add_huge_note(detection, 20_000)
    latest = vectra_api.events(detection_id=detection, ordering="-id", limit=1, size="detailed",
                               include_info_category="true")["events"][0]
    assert len(latest["notes"][-1]["note"]) == 20_000


def test_unicode_in_every_generated_name(make_vectra_emulator):
    emulator = make_vectra_emulator(unicode_names=True)
    api = ApiSession(emulator)
    raw = api.get("/api/v3.5/events/detections", params={"limit": 50, "size": "detailed"}).content.decode()
    events = json.loads(raw)["events"]
    assert all(not event["entity_name"].isascii() and not event["entity_uid"].isascii() for event in events)
    entities = api.get("/api/v3.5/entities", params={"page_size": 100}).json()["results"]
    assert all(not entity["name"].isascii() for entity in entities)


def test_faults_can_be_set_at_start_and_cleared(make_vectra_emulator):
    emulator = make_vectra_emulator(rate_limit_requests=1)
    api = ApiSession(emulator)
    assert api.session.post(f"{emulator.url}/oauth2/token", data={"grant_type": "client_credentials"},
                            auth=(emulator.client_id, emulator.client_secret)).status_code == 429
    emulator.faults.configure(server_error_requests=5)
    cleared = api.session.post(f"{emulator.url}/_emulator/faults", json={"clear": True}).json()
    assert cleared["server_error_requests"] == 0
    assert api.get(USERS).status_code == 200
    refused = api.session.post(f"{emulator.url}/_emulator/faults", json={"no_such_fault": 1})
    assert refused.status_code == 400 and "unknown fault" in refused.json()["detail"]
