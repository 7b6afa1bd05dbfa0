"""The emulator answers as Vectra does: each recorded real answer (`test_data/recorded/`, listed in its README) is
held against the running emulator's answers for the same endpoint by key paths and JSON value types
(`contract.compare`); a failure names each path missing, of another type, or missing from some served objects.

The five streams the XSIAM collector reads, `/health` and `/lockdown` are recorded from Elastic's public
`vectra_rux` integration test data; the detections stream in detailed mode, entities, tags, groups, assignments and
users from the project's reference samples. Streams are drained page by page; a recording is compared with every
page, so a path must be served somewhere and keys every recorded object has must be in every served one.
"""

import pytest

from tools.vectra_emulator.contract import RECORDED, compare, load, shape_of
from tools.vectra_emulator.fixtures import ApiSession

API = "/api/v3.5"
NOT_API_ANSWERS = {"update_remote_system_args.json"}  # XSOAR's mirroring arguments, not a Vectra answer
ELASTIC_RECORDINGS = {"stream_audits.json", "stream_detections.json", "stream_entity_scoring_host.json",
                      "stream_entity_scoring_account.json", "lockdown.json", "health.json"}


def pages(api, path, **params):
    """Every page of a checkpoint stream, from the start."""
    served, checkpoint = [], None
    while True:
        page = api.get(f"{API}/{path}", params={"limit": 1000, **params,
                                               **({"from": checkpoint} if checkpoint is not None else {})})
        assert page.status_code == 200, page.text
        served.append(page.json())
        checkpoint = page.json()["next_checkpoint"]
        if not page.json()["events"] or not page.json()["remaining_count"]:
            return served


def api_client_activity(api, emulator):
    """What an integration does through the API, so the audit log also has API-client entries: a detection tag,
    an account's tags, a note on an account."""
    account = next(e for e in sorted(emulator.world.entities.values(), key=lambda e: e.key) if e.type == "account")
    api.patch(f"{API}/tagging/detection/1001", json={"tags": ["ticketed"]}).raise_for_status()
    api.patch(f"{API}/tagging/entity/{account.id}", params={"type": "account"}, json={"tags": ["reviewed"]}).raise_for_status()
    api.post(f"{API}/entities/{account.id}/notes", params={"type": "account"}, json={"note": "seen"}).raise_for_status()


def served_audits(api, emulator):
    api_client_activity(api, emulator)
    return pages(api, "events/audits")


def served_health(api, emulator):
    """The health answer of a healthy tenant, then of one whose first sensor stopped sending."""
    healthy = api.get(f"{API}/health").json()
    emulator.world.advance_clock(60)
    emulator.world.set_health(sensor_down=True)
    return [healthy, api.get(f"{API}/health").json()]


def served_detailed_events(api):
    served = pages(api, "events/detections", size="detailed", include_info_category="true", include_triaged="true")
    return [{"events": [e for page in served for e in page["events"]], "next_checkpoint": served[-1]["next_checkpoint"],
             "remaining_count": 0}]


def served_groups(api):
    return [api.get(f"{API}/groups/{group['id']}").json() for group in api.get(f"{API}/groups").json()["results"]]


def served_unassigned_groups(api):
    """As recorded: host, account and domain groups after every member of the domain groups was unassigned."""
    groups = [g for g in api.get(f"{API}/groups").json()["results"] if g["type"] in ("host", "account", "domain")]
    for group in groups:
        if group["type"] == "domain":
            api.patch(f"{API}/groups/{group['id']}", json={"members": []}).raise_for_status()
    return [api.get(f"{API}/groups/{group['id']}").json() for group in groups]


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


# Each returns the emulator's answers for the recording's endpoint, each one shaped like a recorded answer.
SERVED = {
    # Elastic's recordings: the collector's streams and snapshots
    "stream_audits.json": served_audits,
    "stream_detections.json": lambda api, emulator: pages(api, "events/detections", include_info_category="true",
                                                          include_triaged="true"),
    "stream_entity_scoring_host.json": lambda api, emulator: pages(api, "events/entity_scoring", type="host",
                                                                   include_score_decreases="true"),
    "stream_entity_scoring_account.json": lambda api, emulator: pages(api, "events/entity_scoring", type="account",
                                                                      include_score_decreases="true"),
    "lockdown.json": lambda api, emulator: [api.get(f"{API}/lockdown").json()],
    "health.json": served_health,
    # the reference samples: the integration's endpoints
    "events_detections_response.json": lambda api, emulator: served_detailed_events(api),
    "get_entity_response.json": lambda api, emulator: [
        api.get(f"{API}/entities/{e.id}", params={"type": e.type}).json() for e in emulator.world.entities.values()],
    "user_list_response.json": lambda api, emulator: [api.get(f"{API}/users").json()],
    "group_list_response.json": lambda api, emulator: [api.get(f"{API}/groups").json()],
    "get_groups_response.json": lambda api, emulator: [served_groups(api)],
    "assign_group_response.json": lambda api, emulator: [served_groups(api)],
    "unassign_group_response.json": lambda api, emulator: [served_unassigned_groups(api)],
    "assignment_list_response.json": lambda api, emulator: (served_assignments(api, emulator),
                                                            [api.get(f"{API}/assignments").json()])[1],
    "entity_assignment_add_response.json": lambda api, emulator: [served_assignments(api, emulator)],
    "entity_tag_add_invalid_response.json": lambda api, emulator: [api.patch(
        f"{API}/tagging/entity/100", params={"type": "host"}, json={"tags": ["<bad>"]}).json()],
    "entity_tag_get_invalid_response.json": lambda api, emulator: [api.get(
        f"{API}/tagging/entity/987654", params={"type": "host"}).json()],
}


def test_every_recorded_answer_is_compared_and_says_where_it_comes_from():
    names = {p.name for p in RECORDED.glob("*.json")}
    assert names == set(SERVED) | NOT_API_ANSWERS
    readme = (RECORDED / "README.md").read_text()
    assert [name for name in sorted(names) if f"`{name}`" not in readme] == []
    for name in ELASTIC_RECORDINGS:
        recording = load(name)
        assert recording.source and "elastic/integrations packages/vectra_rux" in recording.source, name
        assert recording.answers and recording.endpoint, name


@pytest.mark.parametrize("name", sorted(SERVED))
def test_the_emulator_serves_every_recorded_key_path_with_its_types(name, make_vectra_emulator):
    emulator = make_vectra_emulator(seed=11, entities=30, detections=120, events=800)
    recording = load(name)
    assert compare(recording.answers, SERVED[name](ApiSession(emulator), emulator), recording.maps) == []


@pytest.mark.parametrize("seed", [3, 29])
def test_the_collector_streams_hold_for_other_tenants(seed, make_vectra_emulator):
    """The streams' shapes do not depend on the seed that generated the tenant."""
    emulator = make_vectra_emulator(seed=seed, entities=12, detections=30, events=150)
    api = ApiSession(emulator)
    for name in sorted(ELASTIC_RECORDINGS):
        recording = load(name)
        assert compare(recording.answers, SERVED[name](api, emulator), recording.maps) == [], name


def test_health_has_no_key_the_real_answer_lacks_at_its_top(vectra_api):
    health = vectra_api.get(f"{API}/health").json()
    recorded_keys = set().union(*(answer.keys() for answer in load("health.json").answers))
    assert set(health) == recorded_keys and "updated" not in health


# --- the comparison itself -------------------------------------------------------------------------------------


def test_the_comparison_notices_a_missing_path_and_a_wrong_type():
    assert compare([{"a": 1, "b": {"c": "x"}}], [{"a": "1", "b": {}}]) == [
        "a: recorded as ['number'], never served as such (served as ['string'])",
        "a: served as ['string'], recorded only as ['number']",
        "b.c: absent",
    ]


def test_the_comparison_notices_a_key_missing_from_some_served_objects():
    recorded = [{"events": [{"id": 1, "entity_href": "u"}, {"id": 2, "entity_href": "v"}]}]
    served = [{"events": [{"id": 1, "entity_href": "u"}, {"id": 2}]}]
    assert compare(recorded, served) == [
        "events[].entity_href: missing from 1 of 2 served objects at events[] (every recorded one has it)"]


def test_keys_only_some_recorded_objects_have_need_only_be_served_somewhere():
    recorded = [{"events": [{"id": 1, "src_entity": "x"}, {"id": 2}]}]
    assert compare(recorded, [{"events": [{"id": 1}, {"id": 2, "src_entity": "y"}]}]) == []
    assert compare(recorded, [{"events": [{"id": 1}]}]) == ["events[].src_entity: absent"]


def test_nulls_and_arrays():
    recorded = [{"last": {"id": None, "url": None}, "hours": ["2025-01-01T00:00:00Z"], "output": ["o", {"error": "e"}]}]
    served = [{"last": {"id": 7, "url": None}, "hours": [], "output": [{"error": "x"}]}]
    assert compare(recorded, served) == [
        "hours[]: absent",
        "output[]: recorded as ['string'], never served as such (served as ['object'])",
    ]
    assert compare([{"a": "x"}], [{"a": None}, {"a": "y"}]) == []  # no value is never a contradiction


def test_maps_compare_their_keys_as_names():
    recorded = [{"traffic": {"Sensor A": {"mbps": 5}}}]
    assert compare(recorded, [{"traffic": {"sensor-b": {"mbps": 9}}}], ["traffic"]) == []
    assert compare(recorded, [{"traffic": {"sensor-b": {"mbps": 9}}}]) == ["traffic.Sensor A: absent",
                                                                           "traffic.Sensor A.mbps: absent"]
    assert shape_of([{"traffic": {"x": {"mbps": 1}}}], ["traffic"]).types["traffic.*.mbps"] == {"number"}


def test_a_bare_list_answer_is_compared_by_its_elements():
    assert compare([[{"id": 1, "locked_by": "a"}]], [[{"id": 2}]]) == ["[].locked_by: absent"]
    assert compare([[{"id": 1}]], [{"id": 1}]) == [
        "(the answer): recorded as ['array'], never served as such (served as ['object'])",
        "(the answer): served as ['object'], recorded only as ['array']", "[]: absent", "[].id: absent"]
