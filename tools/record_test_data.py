"""Record the integration's unit-test data from the emulator: `python -m tools.record_test_data`.

Writes `Packs/VectraRUX/Integrations/VectraRUX/test_data/`: a token answer and the full detailed events stream of a
small seeded tenant, fetched over HTTP exactly as Vectra answers them (tokens replaced by fixed placeholders so
the files never change between recordings). `events_detections_response.json` is kept byte for byte in the shape
of the reference sample and is not rewritten here.

Also writes `Tests/content/test_data/populated_events.json`: the latest event of a host detection and of an account
detection after every optional part was filled in through the API (tags, external reference ID, a resolved
assignment, EDR process context), so the incoming-mapper test sees every field with a value.
"""

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from tools.vectra_emulator import Emulator
from tools.vectra_emulator.fixtures import ApiSession

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUX" / "test_data"
CONTENT_TEST_DATA = ROOT / "Tests" / "content" / "test_data"
PUBLIC_URL = "https://tenant.portal.vectra.example"
RECORDED_AT = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


def write(name: str, data: object, folder: Path = TEST_DATA) -> None:
    if isinstance(data, list):  # one item a line: compact, and diffs stay readable
        text = "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in data) + "\n]\n"
    else:
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    (folder / name).write_text(text)


def record_stream(api: ApiSession) -> list[dict]:
    events, checkpoint = [], None
    while True:
        params = {"limit": 1000, "size": "detailed", "include_info_category": "true", "include_triaged": "true"}
        if checkpoint is not None:
            params["from"] = checkpoint
        page = api.events(**params)
        events.extend(page["events"])
        checkpoint = page["next_checkpoint"]
        if page["remaining_count"] == 0:
            return events


API = "/api/v3.5"


def record_api_answers(api: ApiSession, vectra: Emulator) -> dict[str, object]:
    """One real answer of every endpoint the commands call, in a fixed order (so the files are reproducible)."""
    world = vectra.world
    host = next(e for e in sorted(world.entities.values(), key=lambda e: e.key) if e.type == "host" and e.detection_ids)
    detection = host.detection_ids[0]
    free = next(e for e in sorted(world.entities.values(), key=lambda e: e.key) if world._current_assignment(e) is None)
    answers: dict[str, object] = {}

    def keep(name: str, answer: object) -> object:
        answers[name] = answer
        return answer

    keep("detections_page", api.get(f"{API}/detections", params={"page_size": 3}).json())
    keep("detections_empty", api.get(f"{API}/detections", params={"detection_type": "No Such Type"}).json())
    keep("detections_patch", api.patch(f"{API}/detections", json={"detectionIdList": [detection],
                                                                    "investigation_status": "acknowledged"}).json())
    keep("detections_close", api.patch(f"{API}/detections/close", json={"detectionIdList": [detection],
                                                                          "reason": "benign"}).json())
    keep("detections_open", api.patch(f"{API}/detections/open", json={"detectionIdList": [detection]}).json())
    api.patch(f"{API}/tagging/detection/{detection}", json={"tags": ["pentest", "vip"]})
    keep("tags", api.get(f"{API}/tagging/detection/{detection}").json())
    keep("tags_invalid", api.patch(f"{API}/tagging/detection/{detection}", json={"tags": ["bad<tag>"]}).json())
    keep("note", api.post(f"{API}/detections/{detection}/notes", json={"note": "Checked with the owner."}).json())
    api.post(f"{API}/detections/{detection}/notes", json={"note": "Ticket INC-42 opened."})
    keep("notes", api.get(f"{API}/detections/{detection}/notes").json())
    keep("entities_page", api.get("/api/v3.4/entities", params={"page_size": 2}).json())
    keep("entity", api.get(f"/api/v3.4/entities/{host.id}", params={"type": "host"}).json())
    keep("entity_patch", api.patch(f"{API}/entities/{host.id}", params={"type": "host"},
                                   json={"external_reference_id": "CASE-7"}).json())
    keep("assignment_create", api.post(f"{API}/assignments", json={"assign_to_user_id": 21,
                                                                   f"assign_{free.type}_id": free.id}).json())
    assignment_id = answers["assignment_create"]["assignment"]["id"]  # type: ignore[index]
    keep("assignment_reassign", api.put(f"{API}/assignments/{assignment_id}", json={"assign_to_user_id": 22}).json())
    keep("assignment_resolve", api.put(f"{API}/assignments/{assignment_id}/resolve",
                                       json={"outcome": 1, "note": "Known admin."}).json())
    keep("assignments_page", api.get(f"{API}/assignments", params={"page_size": 3}).json())
    keep("outcomes_page", api.get(f"{API}/assignment_outcomes").json())
    keep("groups_page", api.get(f"{API}/groups").json())
    keep("group_host", api.get(f"{API}/groups/1").json())
    keep("group_account", api.get(f"{API}/groups/3").json())
    keep("users_page", api.get(f"{API}/users").json())
    keep("investigation_submit", api.post(f"{API}/investigations", json={"query": "SELECT * FROM network LIMIT 5"}).json())
    request_id = answers["investigation_submit"]["request_id"]  # type: ignore[index]
    keep("investigation_running", api.get(f"{API}/investigations/{request_id}").json())
    keep("investigation_completed", api.get(f"{API}/investigations/{request_id}", params={"page_size": 3}).json())
    return answers


def succeeded(response) -> dict:
    if response.status_code >= 400:
        raise SystemExit(f"the emulator refused {response.request.method} {response.url}: {response.text}")
    return response.json()


def record_populated_events(api: ApiSession, vectra: Emulator) -> list[dict]:
    """Fill every optional part of one host and one account detection, then take the latest event of each."""
    world = vectra.world
    host_detection = next(world.detections[i] for _ in range(50) for i in world.add_detections(1, entity_type="host")
                          if world.detections[i].process_context_data)  # Vectra adds EDR context to some
    detections = sorted(world.detections.values(), key=lambda d: d.id)
    account_detection = next(d for d in detections if d.entity.type == "account" and d.src_external_host)
    latest = []
    for detection, outcome in ((host_detection, 2), (account_detection, 1)):
        entity = detection.entity
        current = world._current_assignment(entity)
        if current is None or current["date_resolved"] is not None:
            current = succeeded(api.post(f"{API}/assignments", json={"assign_to_user_id": 21,
                                                                     f"assign_{entity.type}_id": entity.id}))["assignment"]
        assert current is not None
        succeeded(api.put(f"{API}/assignments/{current['id']}/resolve", json={"outcome": outcome, "note": "Reviewed."}))
        succeeded(api.patch(f"{API}/tagging/detection/{detection.id}", json={"tags": ["pentest", "vip"]}))
        succeeded(api.patch(f"{API}/entities/{entity.id}", params={"type": entity.type},
                            json={"external_reference_id": f"CASE-{entity.id}"}))
        succeeded(api.patch(f"{API}/detections", json={"detectionIdList": [detection.id],
                                                       "external_reference_id": "INC-100"}))
        succeeded(api.patch(f"{API}/detections", json={"detectionIdList": [detection.id],
                                                       "investigation_status": "escalated"}))
        page = api.events(detection_id=detection.id, ordering="-id", limit=1, size="detailed",
                          include_info_category="true", include_triaged="true")
        latest.append(page["events"][0])
    return latest


def main() -> None:
    TEST_DATA.mkdir(parents=True, exist_ok=True)
    with Emulator(seed=21, entities=12, detections=30, events=160, now=RECORDED_AT, history_hours=24) as vectra:
        api = ApiSession(vectra)
        grant = api.authenticate()
        fixed_tokens = {"access_token": "recorded-access-token", "refresh_token": "recorded-refresh-token"}
        write("token_response.json", {**grant, **fixed_tokens})
        events = record_stream(api)
        base = vectra.url
        write("events_stream.json", json.loads(json.dumps(events).replace(base, PUBLIC_URL)))
        answers = record_api_answers(api, vectra)
        write("api_answers.json", json.loads(json.dumps(answers).replace(base, PUBLIC_URL)))
        populated = record_populated_events(api, vectra)
        write("populated_events.json", json.loads(json.dumps(populated).replace(base, PUBLIC_URL)), CONTENT_TEST_DATA)
    sys.stdout.write(f"recorded {len(events)} events into {TEST_DATA}\n")


if __name__ == "__main__":
    main()
