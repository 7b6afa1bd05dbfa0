"""Unit tests of the vectra-* commands over recorded Vectra answers (`test_data/api_answers.json`, recorded from the
emulator by `python -m tools.record_test_data`): each command's success, its empty result, each validation error
(caught before any request), and Vectra's own error text surfaced."""

import contextlib
import json
import re
from pathlib import Path

import pytest
import requests_mock as rm
import VectraRUX as vr
from freezegun import freeze_time

TEST_DATA = Path(__file__).parent / "test_data"
ANSWERS = json.loads((TEST_DATA / "api_answers.json").read_text())
TOKEN = json.loads((TEST_DATA / "token_response.json").read_text())
URL = "https://vectra.test"
V35, V34 = f"{URL}/api/v3.5", f"{URL}/api/v3.4"


@pytest.fixture
def api(requests_mock):
    requests_mock.post(f"{URL}/oauth2/token", json=TOKEN)
    return requests_mock


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-11-01T12:00:00Z"):
        yield


def run(invocation, command, args=None):
    invocation.command = command
    invocation.args = args or {}
    invocation.params = {"server_url": URL, "credentials": {"identifier": "id", "password": "secret"}}
    with contextlib.suppress(SystemExit):
        vr.main()
    assert len(invocation.results) == 1, invocation.results
    return invocation.results[0]


def api_requests(api):
    return [r for r in api.request_history if "/oauth2/" not in r.url]


def last(api):
    return api_requests(api)[-1]


def context(entry):
    (key, value), = entry["EntryContext"].items()
    return key, value


# --- detections ------------------------------------------------------------------------------------------------


def test_detection_list_sends_every_filter_and_links_to_the_ui(invocation, api):
    api.get(f"{V35}/detections", json=ANSWERS["detections_page"])
    entry = run(invocation, "vectra-detection-list", {
        "created_after": "2 days", "created_before": "2026-11-01T00:00:00Z", "last_detected_after": "1 day",
        "description": "admin", "detection_name": "Tunnel", "detection_type": "Hidden HTTPS Tunnel",
        "detection_category": "lateral movement", "include_info_category_detections": "false", "close_reason": "Benign",
        "detection_state": "active", "entity_type": "Host", "tags": "a, b,a", "is_triaged": "true", "page": "2",
        "page_size": "3"})
    assert last(api).qs == {
        "created_timestamp_gte": ["2026-10-30t12:00:00z"], "created_timestamp_lte": ["2026-11-01t00:00:00z"],
        "last_timestamp_gte": ["2026-10-31t12:00:00z"], "description": ["admin"], "detection": ["tunnel"],
        "detection_type": ["hidden https tunnel"], "detection_category": ["lateral"], "include_info_category": ["false"],
        "reason": ["benign"], "state": ["active"], "type": ["host"], "tags": ["a,b"], "is_triaged": ["true"],
        "page": ["2"], "page_size": ["3"]}
    key, outputs = context(entry)
    assert key == "Vectra.Detection(val.id && val.id == obj.id)" and len(outputs) == 3
    assert entry["Contents"] == ANSWERS["detections_page"]
    assert f"3 of {ANSWERS['detections_page']['count']} detections (page 2, page size 3)" in entry["HumanReadable"]
    first_id = outputs[0]["id"]
    assert f"[{first_id}]({URL}/detections/{first_id}?pivot={vr.USER_AGENT})" in entry["HumanReadable"]


def test_detection_list_defaults(invocation, api):
    api.get(f"{V35}/detections", json=ANSWERS["detections_page"])
    run(invocation, "vectra-detection-list")
    assert last(api).qs == {"include_info_category": ["true"], "is_triaged": ["false"], "page": ["1"], "page_size": ["50"]}


def test_detection_describe_deduplicates_ids_and_uses_the_published_path(invocation, api):
    api.get(f"{V35}/detections", json=ANSWERS["detections_page"])
    entry = run(invocation, "vectra-detection-describe", {"detection_ids": "1003, 1001,1003"})
    assert last(api).qs["id"] == ["1003,1001"]
    assert context(entry)[0] == "Vectra.Entity.Detections(val.id && val.id == obj.id)"


def test_entity_detection_list(invocation, api):
    api.get(f"{V35}/detections", json=ANSWERS["detections_page"])
    entry = run(invocation, "vectra-entity-detection-list", {"entity_id": "101", "entity_type": "HOST", "tags": "x"})
    assert last(api).qs == {"entity_id": ["101"], "type": ["host"], "state": ["active"], "tags": ["x"], "page": ["1"],
                            "page_size": ["50"]}
    assert context(entry)[0] == "Vectra.Entity.Detections(val.id && val.id == obj.id)"
    assert "Detections of host 101" in entry["HumanReadable"]


def test_mark_as_closed_and_open(invocation, api):
    api.patch(f"{V35}/detections/close", json=ANSWERS["detections_close"])
    entry = run(invocation, "vectra-detections-mark-asclosed", {"detection_ids": "7,8", "close_reason": "Remediated"})
    assert last(api).json() == {"detectionIdList": [7, 8], "reason": "remediated"}
    assert entry["HumanReadable"] == "Closed detection(s) 7, 8 as remediated. Vectra: Successfully closed detections."
    invocation.results.clear()
    api.patch(f"{V35}/detections/open", json=ANSWERS["detections_open"])
    entry = run(invocation, "vectra-detections-mark-asopen", {"detection_ids": "7"})
    assert last(api).json() == {"detectionIdList": [7]}
    assert "Reopened detection(s) 7" in entry["HumanReadable"]


def test_a_meta_error_level_is_an_error(invocation, api):
    api.patch(f"{V35}/detections/open", json={"_meta": {"level": "errors", "message": "Detection 7 is not closed"}})
    entry = run(invocation, "vectra-detections-mark-asopen", {"detection_ids": "7"})
    assert entry["Type"] == 4 and "Detection 7 is not closed" in entry["Contents"]


@pytest.mark.parametrize(("command", "argument", "value"), [
    ("vectra-detection-investigation-status-update", "investigation_status", "Escalated"),
    ("vectra-detection-external-id-update", "external_reference_id", "INC-2026-00421"),
])
def test_detection_field_updates(invocation, api, command, argument, value):
    api.patch(f"{V35}/detections", json=ANSWERS["detections_patch"])
    entry = run(invocation, command, {"detection_ids": "3,4", argument: value})
    expected = value.lower() if argument == "investigation_status" else value
    assert last(api).json() == {"detectionIdList": [3, 4], argument: expected}
    assert context(entry) == ("Vectra.Detection(val.id && val.id == obj.id)",
                              [{"id": 3, argument: expected}, {"id": 4, argument: expected}])


def test_pcap_download_is_a_file_named_by_vectra(invocation, api, tmp_path):
    api.get(f"{V35}/detections/12/pcap", content=b"\xd4\xc3\xb2\xa1pcap",
            headers={"Content-Disposition": 'attachment; filename="IP-10.0.0.1_hidden_tunnel_12.pcap"'})
    entry = run(invocation, "vectra-detection-pcap-download", {"detection_id": "12"})
    assert entry["Type"] == 3 and entry["File"] == "IP-10.0.0.1_hidden_tunnel_12.pcap"
    assert (tmp_path / f"1_{entry['FileID']}").read_bytes() == b"\xd4\xc3\xb2\xa1pcap"


def test_pcap_without_a_file_name_gets_one(invocation, api):
    api.get(f"{V35}/detections/12/pcap", content=b"x")
    assert run(invocation, "vectra-detection-pcap-download", {"detection_id": "12"})["File"] == "detection_12.pcap"


# --- tags and notes: detections and entities share one implementation -------------------------------------------

TARGETS = [
    ("detection", {"detection_id": "5"}, f"{V35}/tagging/detection/5", f"{V35}/detections/5/notes", {},
     "Vectra.Detection", {"detection_id": 5}),
    ("entity", {"entity_id": "9", "entity_type": "Account"}, f"{V35}/tagging/entity/9", f"{V35}/entities/9/notes",
     {"type": ["account"]}, "Vectra.Entity", {"entity_id": 9, "entity_type": "account"}),
]


@pytest.mark.parametrize(("kind", "target_args", "tag_url", "notes_url", "query", "prefix", "identity"), TARGETS)
def test_tag_list_add_remove(invocation, api, kind, target_args, tag_url, notes_url, query, prefix, identity):
    api.get(tag_url, json={"status": "success", "tag_id": "5", "tags": ["pentest", "vip"]})
    api.patch(tag_url, json={"status": "success", "tag_id": "5", "tags": ["pentest", "vip", "new"]})
    entry = run(invocation, f"vectra-{kind}-tag-add", {**target_args, "tags": "vip,new"})
    assert last(api).method == "PATCH" and last(api).json() == {"tags": ["pentest", "vip", "new"]}
    assert last(api).qs == (query or {"type": ["detection"]})
    assert entry["HumanReadable"] == (f"Added tag(s) new to {kind_label(kind, target_args)}. Tag(s) already present: vip. "
                                      "Tags now: pentest, vip, new.")
    assert context(entry)[1] == {"tag_id": "5", **identity, "tags": ["pentest", "vip", "new"]}
    assert context(entry)[0].startswith(f"{prefix}.Tags(")


def kind_label(kind, args):
    return f"detection {args['detection_id']}" if kind == "detection" else f"{args['entity_type'].lower()} {args['entity_id']}"


@pytest.mark.parametrize(("kind", "target_args", "tag_url", "notes_url", "query", "prefix", "identity"), TARGETS)
def test_tag_changes_that_change_nothing_write_nothing(invocation, api, kind, target_args, tag_url, notes_url, query,
                                                       prefix, identity):
    api.get(tag_url, json={"status": "success", "tag_id": "5", "tags": ["pentest"]})
    entry = run(invocation, f"vectra-{kind}-tag-add", {**target_args, "tags": "pentest"})
    assert [r.method for r in api_requests(api)] == ["GET"]
    assert "Nothing to change" in entry["HumanReadable"] and "already present: pentest" in entry["HumanReadable"]
    invocation.results.clear()
    entry = run(invocation, f"vectra-{kind}-tag-remove", {**target_args, "tags": "absent"})
    assert [r.method for r in api_requests(api)] == ["GET", "GET"]
    assert "Tag(s) not present: absent" in entry["HumanReadable"]


@pytest.mark.parametrize(("kind", "target_args", "tag_url", "notes_url", "query", "prefix", "identity"), TARGETS)
def test_tag_remove_keeps_the_other_tags(invocation, api, kind, target_args, tag_url, notes_url, query, prefix, identity):
    api.get(tag_url, json={"status": "success", "tag_id": "5", "tags": ["a", "b", "c"]})
    api.patch(tag_url, json={"status": "success", "tag_id": "5", "tags": ["a", "c"]})
    entry = run(invocation, f"vectra-{kind}-tag-remove", {**target_args, "tags": "b"})
    assert last(api).json() == {"tags": ["a", "c"]} and "Tags now: a, c." in entry["HumanReadable"]


@pytest.mark.parametrize(("kind", "target_args", "tag_url", "notes_url", "query", "prefix", "identity"), TARGETS)
def test_tag_list_and_vectras_failure_answer(invocation, api, kind, target_args, tag_url, notes_url, query, prefix, identity):
    api.get(tag_url, json=ANSWERS["tags"])
    assert "pentest, vip" in run(invocation, f"vectra-{kind}-tag-list", target_args)["HumanReadable"]
    invocation.results.clear()
    api.get(tag_url, json={"status": "failure", "message": "Unknown server error"})
    entry = run(invocation, f"vectra-{kind}-tag-list", target_args)
    assert entry["Type"] == 4 and "Vectra refused the tag change: Unknown server error" in entry["Contents"]


@pytest.mark.parametrize(("kind", "target_args", "tag_url", "notes_url", "query", "prefix", "identity"), TARGETS)
def test_notes_lifecycle(invocation, api, kind, target_args, tag_url, notes_url, query, prefix, identity):
    api.get(notes_url, json=ANSWERS["notes"])
    entry = run(invocation, f"vectra-{kind}-note-list", target_args)
    key, notes = context(entry)
    assert key.startswith(f"{prefix}.Notes(") and "note_id" in key
    assert [n["note"] for n in notes] == ["Checked with the owner.", "Ticket INC-42 opened."]
    assert all(n["note_id"] == n["id"] and all(n[k] == v for k, v in identity.items()) for n in notes)
    assert last(api).qs == query

    api.post(notes_url, json=ANSWERS["note"], status_code=201)
    invocation.results.clear()
    entry = run(invocation, f"vectra-{kind}-note-add", {**target_args, "note": "Checked with the owner."})
    assert last(api).json() == {"note": "Checked with the owner."} and context(entry)[1][0]["note_id"] == ANSWERS["note"]["id"]

    api.patch(f"{notes_url}/77", json={**ANSWERS["note"], "id": 77, "note": "edited"})
    invocation.results.clear()
    entry = run(invocation, f"vectra-{kind}-note-update", {**target_args, "note_id": "77", "note": "edited"})
    assert last(api).json() == {"note": "edited"} and "Updated note 77" in entry["HumanReadable"]

    api.delete(f"{notes_url}/77", status_code=204)
    invocation.results.clear()
    entry = run(invocation, f"vectra-{kind}-note-remove", {**target_args, "note_id": "77"})
    assert entry["HumanReadable"] == f"Deleted note 77 of {kind_label(kind, target_args)}."


# --- entities -----------------------------------------------------------------------------------------------


def test_entity_list_and_describe(invocation, api):
    api.get(f"{V34}/entities", json=ANSWERS["entities_page"])
    entry = run(invocation, "vectra-entity-list", {"prioritized": "true", "entity_type": "host", "state": "active",
                                                   "ordering": "-urgency_score", "last_detection_timestamp": "3 days",
                                                   "name": "dc", "tags": "vip"})
    assert last(api).qs == {"type": ["host"], "is_prioritized": ["true"], "name": ["dc"], "tags": ["vip"], "state": ["active"],
                            "ordering": ["-urgency_score"], "last_detection_timestamp_gte": ["2026-10-29t12:00:00z"],
                            "page": ["1"], "page_size": ["50"]}
    key, entities = context(entry)
    assert key == "Vectra.Entity(val.id && val.id == obj.id && val.type && val.type == obj.type)" and len(entities) == 2
    api.get(re.compile(f"{V34}/entities/101"), json=ANSWERS["entity"])
    invocation.results.clear()
    entry = run(invocation, "vectra-entity-describe", {"entity_id": "101", "entity_type": "host"})
    assert last(api).qs == {"type": ["host"]} and context(entry)[1][0]["name"] == ANSWERS["entity"]["name"]


def test_entity_describe_of_a_missing_entity_is_a_readable_message(invocation, api):
    api.get(re.compile(f"{V34}/entities/999"), status_code=404, json={"detail": "Not found."})
    entry = run(invocation, "vectra-entity-describe", {"entity_id": "999", "entity_type": "account"})
    assert entry["Type"] == 1 and entry["HumanReadable"] == "No account with ID 999 was found in Vectra."


@pytest.mark.parametrize(("command", "args", "body", "shown"), [
    ("vectra-entity-external-id-update", {"external_reference_id": "CASE-7"}, {"external_reference_id": "CASE-7"},
     {"external_reference_id": "CASE-7"}),
    ("vectra-entity-unresolved-priority-reset", {}, {"unresolved_priority": "False"}, {"unresolved_priority": False}),
])
def test_entity_updates(invocation, api, command, args, body, shown):
    api.patch(re.compile(f"{V35}/entities/101"), json=ANSWERS["entity_patch"])
    entry = run(invocation, command, {"entity_id": "101", "entity_type": "host", **args})
    assert last(api).json() == body and last(api).qs == {"type": ["host"]}
    assert context(entry)[1] == {"id": 101, "type": "host", **shown}


def test_entity_detections_mark_as_closed_pages_then_closes(invocation, api):
    first = {"count": 3, "next": f"{V35}/detections?page=2", "previous": None, "results": [{"id": 1}, {"id": 2}]}
    second = {"count": 3, "next": None, "previous": None, "results": [{"id": 3}]}
    api.get(f"{V35}/detections", [{"json": first}, {"json": second}])
    api.patch(f"{V35}/detections/close", json=ANSWERS["detections_close"])
    entry = run(invocation, "vectra-entity-detections-mark-asclosed", {"entity_id": "5", "entity_type": "host",
                                                                       "close_reason": "benign"})
    assert last(api).json() == {"detectionIdList": [1, 2, 3], "reason": "benign"}
    assert api_requests(api)[0].qs["state"] == ["active"] and "Closed 3 active detection(s)" in entry["HumanReadable"]


def test_entity_with_no_active_detections_closes_nothing(invocation, api):
    api.get(f"{V35}/detections", json=ANSWERS["detections_empty"])
    entry = run(invocation, "vectra-entity-detections-mark-asclosed", {"entity_id": "5", "entity_type": "host",
                                                                       "close_reason": "benign"})
    assert entry["HumanReadable"] == "Host 5 has no active detections to close." and len(api_requests(api)) == 1


# --- assignments --------------------------------------------------------------------------------------------


def test_assignment_list_filters(invocation, api):
    api.get(f"{V35}/assignments", json=ANSWERS["assignments_page"])
    entry = run(invocation, "vectra-assignment-list", {"entity_ids": "3,4", "entity_type": "account", "resolved": "false",
                                                       "assignees": "21", "resolution": "1,2", "created_after": "1 day"})
    assert last(api).qs == {"accounts": ["3,4"], "resolved": ["false"], "assignees": ["21"], "resolution": ["1,2"],
                            "created_after": ["2026-10-31t12:00:00z"], "page": ["1"], "page_size": ["50"]}
    key, assignments = context(entry)
    assert key == "Vectra.Entity.Assignments(val.assignment_id && val.assignment_id == obj.assignment_id)"
    assert all(a["assignment_id"] == a["id"] for a in assignments)


def test_assignment_add_update_resolve(invocation, api):
    created = ANSWERS["assignment_create"]["assignment"]
    api.post(f"{V35}/assignments", json=ANSWERS["assignment_create"], status_code=201)
    entry = run(invocation, "vectra-entity-assignment-add", {"entity_id": "7", "entity_type": "host", "user_id": "21"})
    assert last(api).json() == {"assign_to_user_id": 21, "assign_host_id": 7}
    assert context(entry)[1][0]["assignment_id"] == created["id"]
    api.put(f"{V35}/assignments/{created['id']}", json=ANSWERS["assignment_reassign"])
    invocation.results.clear()
    run(invocation, "vectra-entity-assignment-update", {"assignment_id": str(created["id"]), "user_id": "22"})
    assert last(api).json() == {"assign_to_user_id": 22}
    api.put(f"{V35}/assignments/{created['id']}/resolve", json=ANSWERS["assignment_resolve"])
    invocation.results.clear()
    entry = run(invocation, "vectra-entity-assignment-resolve", {"assignment_id": str(created["id"]), "outcome_id": "1",
                                                                 "note": "Known admin.", "triage_as": "Admin tooling",
                                                                 "detection_ids": "11,12"})
    assert last(api).json() == {"outcome": 1, "note": "Known admin.", "triage_as": "Admin tooling", "detection_ids": [11, 12]}
    assert "Benign True Positive" in entry["HumanReadable"]


def test_assignment_outcome_list(invocation, api):
    api.get(f"{V35}/assignment_outcomes", json=ANSWERS["outcomes_page"])
    entry = run(invocation, "vectra-assignment-outcome-list")
    assert [o["title"] for o in context(entry)[1]][:3] == ["Benign True Positive", "Malicious True Positive", "False Positive"]


# --- groups, users, investigations ---------------------------------------------------------------------------


def test_group_list(invocation, api):
    api.get(f"{V35}/groups", json=ANSWERS["groups_page"])
    entry = run(invocation, "vectra-group-list", {"group_type": "host", "importance": "HIGH", "host_ids": "1,2",
                                                  "group_name": "Exec", "account_names": "a,b", "domains": "x.com"})
    assert last(api).qs == {"type": ["host"], "importance": ["high"], "host_ids": ["1,2"], "name": ["exec"],
                            "account_names": ["a,b"], "domains": ["x.com"], "page": ["1"], "page_size": ["50"]}
    assert context(entry)[0] == "Vectra.Group(val.group_id && val.group_id == obj.group_id)"


def test_group_assign_adds_host_ids_to_the_current_members(invocation, api):
    group = ANSWERS["group_host"]
    current = [m["id"] for m in group["members"]]
    api.get(f"{V35}/groups/1", json=group)
    api.patch(f"{V35}/groups/1", json=group)
    entry = run(invocation, "vectra-group-assign", {"group_id": "1", "members": f"{current[0]},555"})
    assert last(api).json() == {"members": [*current, 555]}
    assert f"Added 555 to group 1. Already members: {current[0]}." in entry["HumanReadable"]


def test_group_unassign_removes_account_uids_only(invocation, api):
    group = ANSWERS["group_account"]
    uids = [m["uid"] for m in group["members"]]
    api.get(f"{V35}/groups/3", json=group)
    api.patch(f"{V35}/groups/3", json=group)
    run(invocation, "vectra-group-unassign", {"group_id": "3", "members": uids[0]})
    assert last(api).json() == {"members": uids[1:]}


def test_host_groups_take_host_ids(invocation, api):
    api.get(f"{V35}/groups/1", json=ANSWERS["group_host"])
    entry = run(invocation, "vectra-group-assign", {"group_id": "1", "members": "dc01"})
    assert entry["Type"] == 4 and 'must be host IDs for the host group 1; not IDs: dc01' in entry["Contents"]


def test_user_list(invocation, api):
    api.get(f"{V35}/users", json=ANSWERS["users_page"])
    wanted = ANSWERS["users_page"]["results"][1]["name"]
    entry = run(invocation, "vectra-user-list", {"role": "security analyst", "email": "a@b.c", "username": wanted.upper(),
                                                 "last_login_timestamp": "2026-10-01T00:00:00Z"})
    assert last(api).qs == {"role": ["security_analyst"], "email": ["a@b.c"], "last_login_gte": ["2026-10-01t00:00:00z"],
                            "page": ["1"], "page_size": ["50"]}
    key, users = context(entry)
    assert key == "Vectra.User(val.user_id && val.user_id == obj.user_id)" and [u["name"] for u in users] == [wanted]


def test_investigation_query_send_and_result_get(invocation, api):
    submitted = ANSWERS["investigation_submit"]
    api.post(f"{V35}/investigations", json=submitted)
    entry = run(invocation, "vectra-investigation-query-send", {"query": "SELECT 1", "version": "1.0"})
    assert last(api).json() == {"query": "SELECT 1", "version": "1.0"}
    assert f"Request ID: {submitted['request_id']}" in entry["HumanReadable"]
    url = f"{V35}/investigations/{submitted['request_id']}"
    api.get(url, [{"json": ANSWERS["investigation_running"]}, {"json": ANSWERS["investigation_completed"]}])
    invocation.results.clear()
    running = run(invocation, "vectra-investigation-result-get", {"id": submitted["request_id"]})
    assert "still running" in running["HumanReadable"]
    invocation.results.clear()
    done = run(invocation, "vectra-investigation-result-get", {"id": submitted["request_id"], "page_size": "3"})
    assert last(api).qs == {"page": ["1"], "page_size": ["3"]}
    assert context(done)[1]["meta"]["query_status"] == "completed" and "completed" in done["HumanReadable"]
    assert done["HumanReadable"].count("\n| ") == len(ANSWERS["investigation_completed"]["data"])


# --- empty results ------------------------------------------------------------------------------------------

EMPTY = {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize(("command", "args", "method", "url", "message"), [
    ("vectra-detection-list", {}, "GET", f"{V35}/detections", "No detections were found for the given arguments."),
    ("vectra-detection-describe", {"detection_ids": "1"}, "GET", f"{V35}/detections", "No detections were found"),
    ("vectra-entity-detection-list", {"entity_id": "1", "entity_type": "host"}, "GET", f"{V35}/detections", "No detections"),
    ("vectra-entity-list", {}, "GET", f"{V34}/entities", "No entities were found"),
    ("vectra-assignment-list", {}, "GET", f"{V35}/assignments", "No assignments were found"),
    ("vectra-assignment-outcome-list", {}, "GET", f"{V35}/assignment_outcomes", "No assignment outcomes were found"),
    ("vectra-group-list", {}, "GET", f"{V35}/groups", "No groups were found"),
    ("vectra-user-list", {}, "GET", f"{V35}/users", "No users were found"),
    ("vectra-detection-note-list", {"detection_id": "1"}, "GET", f"{V35}/detections/1/notes",
     "No notes were found for detection 1."),
])
def test_nothing_found_is_a_readable_message(invocation, api, command, args, method, url, message):
    api.register_uri(method, url, json=[] if url.endswith("notes") else EMPTY)
    entry = run(invocation, command, args)
    assert entry["Type"] == 1 and message in entry["HumanReadable"] and entry["EntryContext"] == {}


# --- validation before any request ---------------------------------------------------------------------------


@pytest.mark.parametrize(("command", "args", "message"), [
    ("vectra-detection-describe", {}, 'The argument "detection_ids" is required'),
    ("vectra-detection-describe", {"detection_ids": "1,x,-2"}, "must be numeric IDs separated by commas; not IDs: x, -2"),
    ("vectra-detection-list", {"page_size": "5001"}, '"page_size" must be a whole number from 1 to 5000; got "5001"'),
    ("vectra-detection-list", {"page": "0"}, '"page" must be a whole number from 1'),
    ("vectra-detection-list", {"detection_category": "Spam"}, '"detection_category" must be one of: Command & Control, '
                                                             'Botnet, Reconnaissance, Lateral Movement, Exfiltration, Info'),
    ("vectra-detection-list", {"created_after": "the other day"}, '"created_after" must be a relative time'),
    ("vectra-detection-list", {"detection_state": "asleep"}, '"detection_state" must be one of: active, inactive, fixed'),
    ("vectra-detection-list", {"is_triaged": "perhaps"}, '"is_triaged" must be true or false'),
    ("vectra-detection-list", {"entity_type": "router"}, '"entity_type" must be one of: account, host'),
    ("vectra-detections-mark-asclosed", {"detection_ids": "1"}, 'The argument "close_reason" is required'),
    ("vectra-detections-mark-asclosed", {"detection_ids": "1", "close_reason": "bored"},
     '"close_reason" must be one of: benign, remediated; got "bored"'),
    ("vectra-detection-investigation-status-update", {"detection_ids": "1", "investigation_status": "done"},
     '"investigation_status" must be one of: open, acknowledged, escalated, paused, closed, expired'),
    ("vectra-detection-external-id-update", {"detection_ids": "1"}, 'The argument "external_reference_id" is required'),
    ("vectra-detection-pcap-download", {"detection_id": "abc"}, '"detection_id" must be a positive whole number'),
    ("vectra-detection-tag-add", {"detection_id": "1"}, 'The argument "tags" is required'),
    ("vectra-detection-tag-add", {"detection_id": "1", "tags": "ok,bad<tag>"}, "not valid: bad<tag>"),
    ("vectra-entity-tag-remove", {"entity_id": "1", "tags": "x"}, 'The argument "entity_type" is required'),
    ("vectra-detection-note-add", {"detection_id": "1", "note": "x" * 8001}, "8001 characters long; Vectra accepts at most 8000"),
    ("vectra-detection-note-add", {"detection_id": "1", "note": "  "}, 'The argument "note" is required'),
    ("vectra-detection-note-update", {"detection_id": "1", "note": "x"}, 'The argument "note_id" is required'),
    ("vectra-entity-describe", {"entity_id": "1", "entity_type": "router"}, '"entity_type" must be one of: account, host'),
    ("vectra-entity-describe", {"entity_id": "0", "entity_type": "host"}, '"entity_id" must be a positive whole number'),
    ("vectra-entity-list", {"prioritized": "sometimes"}, '"prioritized" must be true or false'),
    ("vectra-entity-detections-mark-asclosed", {"entity_id": "1", "entity_type": "host"}, '"close_reason" is required'),
    ("vectra-assignment-list", {"entity_ids": "1"}, 'The argument "entity_type" is required with "entity_ids"'),
    ("vectra-assignment-list", {"resolved": "maybe"}, '"resolved" must be one of: True, False'),
    ("vectra-entity-assignment-add", {"entity_id": "1", "entity_type": "host"}, 'The argument "user_id" is required'),
    ("vectra-entity-assignment-resolve", {"assignment_id": "1", "outcome_id": "1", "triage_as": "x"},
     'The argument "detection_ids" is required'),
    ("vectra-group-list", {"group_type": "team"}, '"group_type" must be one of: account, host, ip, domain'),
    ("vectra-group-assign", {"group_id": "1"}, 'The argument "members" is required'),
    ("vectra-user-list", {"role": "Wizard"}, '"role" must be one of: Admin, Auditor, Global Analyst, Read-Only'),
    ("vectra-investigation-query-send", {}, 'The argument "query" is required'),
    ("vectra-investigation-result-get", {}, 'The argument "id" is required'),
    ("vectra-investigation-result-get", {"id": "r", "page_size": "9999"}, '"page_size" must be a whole number from 1 to 5000'),
])
def test_invalid_arguments_are_refused_before_any_request(invocation, api, command, args, message):
    entry = run(invocation, command, args)
    assert entry["Type"] == 4 and entry["Contents"].startswith(f"Invalid argument for {command}: ")
    assert message in entry["Contents"]
    assert api_requests(api) == [] and api.call_count == 0


# --- Vectra's errors are surfaced ----------------------------------------------------------------------------

VALID_ARGS = {
    "vectra-detection-list": {}, "vectra-detection-describe": {"detection_ids": "1"},
    "vectra-detections-mark-asclosed": {"detection_ids": "1", "close_reason": "benign"},
    "vectra-detections-mark-asopen": {"detection_ids": "1"}, "vectra-detection-pcap-download": {"detection_id": "1"},
    "vectra-detection-investigation-status-update": {"detection_ids": "1", "investigation_status": "open"},
    "vectra-detection-external-id-update": {"detection_ids": "1", "external_reference_id": "X"},
    "vectra-detection-tag-list": {"detection_id": "1"}, "vectra-detection-tag-add": {"detection_id": "1", "tags": "a"},
    "vectra-detection-tag-remove": {"detection_id": "1", "tags": "a"}, "vectra-detection-note-list": {"detection_id": "1"},
    "vectra-detection-note-add": {"detection_id": "1", "note": "n"},
    "vectra-detection-note-update": {"detection_id": "1", "note_id": "2", "note": "n"},
    "vectra-detection-note-remove": {"detection_id": "1", "note_id": "2"}, "vectra-entity-list": {},
    "vectra-entity-describe": {"entity_id": "1", "entity_type": "host"},
    "vectra-entity-detection-list": {"entity_id": "1", "entity_type": "host"},
    "vectra-entity-external-id-update": {"entity_id": "1", "entity_type": "host", "external_reference_id": "X"},
    "vectra-entity-unresolved-priority-reset": {"entity_id": "1", "entity_type": "host"},
    "vectra-entity-detections-mark-asclosed": {"entity_id": "1", "entity_type": "host", "close_reason": "benign"},
    "vectra-entity-tag-list": {"entity_id": "1", "entity_type": "host"},
    "vectra-entity-tag-add": {"entity_id": "1", "entity_type": "host", "tags": "a"},
    "vectra-entity-tag-remove": {"entity_id": "1", "entity_type": "host", "tags": "a"},
    "vectra-entity-note-list": {"entity_id": "1", "entity_type": "host"},
    "vectra-entity-note-add": {"entity_id": "1", "entity_type": "host", "note": "n"},
    "vectra-entity-note-update": {"entity_id": "1", "entity_type": "host", "note_id": "2", "note": "n"},
    "vectra-entity-note-remove": {"entity_id": "1", "entity_type": "host", "note_id": "2"},
    "vectra-assignment-list": {}, "vectra-entity-assignment-add": {"entity_id": "1", "entity_type": "host", "user_id": "2"},
    "vectra-entity-assignment-update": {"assignment_id": "1", "user_id": "2"},
    "vectra-entity-assignment-resolve": {"assignment_id": "1", "outcome_id": "1"}, "vectra-assignment-outcome-list": {},
    "vectra-group-list": {}, "vectra-group-assign": {"group_id": "1", "members": "2"},
    "vectra-group-unassign": {"group_id": "1", "members": "2"}, "vectra-user-list": {},
    "vectra-investigation-query-send": {"query": "q"}, "vectra-investigation-result-get": {"id": "r"},
}


@pytest.mark.parametrize("command", sorted(VALID_ARGS))
def test_vectras_own_error_text_is_surfaced(invocation, api, command):
    api.register_uri(rm.ANY, re.compile(f"{URL}/api/.*"), status_code=400, json={"detail": "Vectra says no: field x"})
    entry = run(invocation, command, VALID_ARGS[command])
    if command == "vectra-entity-describe":
        assert entry["Type"] == 4 and "HTTP 400: Vectra says no: field x" in entry["Contents"]
    else:
        assert entry["Type"] == 4 and "Vectra says no: field x" in entry["Contents"], entry


def test_every_command_of_the_yaml_is_implemented_and_tested():
    import yaml

    declared = {c["name"] for c in yaml.safe_load((Path(vr.__file__).with_suffix(".yml")).read_text())["script"]["commands"]}
    declared -= {"get-mapping-fields", *vr.MIRRORING}  # mirroring commands, declared for debugging, tested on their own
    assert declared == set(vr.COMMANDS)
    assert set(VALID_ARGS) | {"vectra-fetch-reset"} == declared
