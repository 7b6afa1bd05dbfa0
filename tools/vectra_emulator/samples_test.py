"""Fidelity to recorded Vectra payloads: every key path of each recorded response, with its JSON value types,
appears in the emulator's answers for the same endpoint.

The recorded payloads (`test_data/recorded/`, copied from the project's reference samples) are matched by key path
(`a.b[].c`). A path with a non-null recorded value must be served with the same JSON type somewhere in the
emulator's answers; a path recorded only as null must at least be present.
"""

import json
from pathlib import Path

import pytest

RECORDED = Path(__file__).parent / "test_data" / "recorded"
API = "/api/v3.5"
NOT_API_RESPONSES = {"update_remote_system_args.json"}  # XSOAR's mirroring arguments, not a Vectra answer


def json_type(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}[type(value)]


def shapes(value, path="", found=None):
    """{key path: set of JSON types seen there} over a whole document."""
    found = {} if found is None else found
    if path:
        found.setdefault(path, set()).add(json_type(value))
    if isinstance(value, dict):
        for key, item in value.items():
            shapes(item, f"{path}.{key}" if path else key, found)
    elif isinstance(value, list):
        for item in value:
            shapes(item, f"{path}[]", found)
    return found


def missing_shapes(recorded, served_documents):
    """What of `recorded`'s shape none of the served documents (each shaped like the recording) shows."""
    want, have = shapes(recorded), {}
    for document in served_documents:
        shapes(document, found=have)
    problems = []
    for path, types in sorted(want.items()):
        if path not in have:
            problems.append(f"{path}: absent")
            continue
        lacking = (types - {"null"}) - have[path]
        if lacking:
            problems.append(f"{path}: recorded as {sorted(lacking)}, served as {sorted(have[path])}")
    return problems


def recorded(name):
    return json.loads((RECORDED / name).read_text())


def served_events(api):
    pages, checkpoint = [], None
    while True:
        params = {"limit": 1000, "size": "detailed", "include_info_category": "true", "include_triaged": "true"}
        if checkpoint is not None:
            params["from"] = checkpoint
        page = api.events(**params)
        pages.append(page)
        checkpoint = page["next_checkpoint"]
        if not page["remaining_count"]:
            return {"events": [e for p in pages for e in p["events"]], "next_checkpoint": checkpoint, "remaining_count": 0}


def served_groups(api):
    return [api.get(f"{API}/groups/{group['id']}").json() for group in api.get(f"{API}/groups").json()["results"]]


def served_assignments(api, emulator):
    world = emulator.world
    free = [e for e in world.entities.values() if world._current_assignment(e) is None]
    host = next(e for e in free if e.type == "host")
    account = next(e for e in free if e.type == "account")
    created = [api.post(f"{API}/assignments", json={"assign_to_user_id": 21, f"assign_{e.type}_id": e.id}).json()
               for e in (host, account)]
    assignment_id = created[0]["assignment"]["id"]
    api.put(f"{API}/assignments/{assignment_id}", json={"assign_to_user_id": 22})
    api.put(f"{API}/assignments/{assignment_id}/resolve", json={"outcome": 1})
    return created


# Each returns the emulator's answers for the recording's endpoint, as documents shaped like the recording.
SERVED = {
    "events_detections_response.json": lambda api, emulator: [served_events(api)],
    "get_entity_response.json": lambda api, emulator: [
        api.get(f"{API}/entities/{e.id}", params={"type": e.type}).json() for e in emulator.world.entities.values()],
    "user_list_response.json": lambda api, emulator: [api.get(f"{API}/users").json()],
    "group_list_response.json": lambda api, emulator: [api.get(f"{API}/groups").json()],
    "get_groups_response.json": lambda api, emulator: [served_groups(api)],
    "assign_group_response.json": lambda api, emulator: [served_groups(api)],
    "unassign_group_response.json": lambda api, emulator: [served_groups(api)],
    "assignment_list_response.json": lambda api, emulator: (served_assignments(api, emulator),
                                                            [api.get(f"{API}/assignments").json()])[1],
    "entity_assignment_add_response.json": lambda api, emulator: [served_assignments(api, emulator)],
    "entity_tag_add_invalid_response.json": lambda api, emulator: [api.patch(
        f"{API}/tagging/entity/100", params={"type": "host"}, json={"tags": ["<bad>"]}).json()],
    "entity_tag_get_invalid_response.json": lambda api, emulator: [api.get(
        f"{API}/tagging/entity/987654", params={"type": "host"}).json()],
}


def test_every_recorded_sample_is_compared():
    assert {p.name for p in RECORDED.glob("*.json")} == set(SERVED) | NOT_API_RESPONSES


@pytest.mark.parametrize("name", sorted(SERVED))
def test_recorded_keys_and_types_are_served(name, make_vectra_emulator):
    from tools.vectra_emulator.fixtures import ApiSession

    emulator = make_vectra_emulator(seed=11, entities=30, detections=120, events=800)
    api = ApiSession(emulator)
    assert missing_shapes(recorded(name), SERVED[name](api, emulator)) == []


def test_the_comparison_notices_a_missing_key_and_a_wrong_type():
    assert missing_shapes({"a": 1, "b": {"c": "x"}}, [{"a": "1", "b": {}}]) == [
        "a: recorded as ['number'], served as ['string']", "b.c: absent"]
