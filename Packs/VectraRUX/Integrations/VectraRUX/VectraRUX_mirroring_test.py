"""Unit tests of mirroring: the merge of the latest activity and state events, notes (no loop, nothing twice), tag
differences, close and reopen in both directions without echo, mirror directions, and request counts."""

import contextlib
import json
import re

import demistomock as demisto
import pytest
import VectraRUX as vr
from freezegun import freeze_time

URL = "https://vectra.test"
EVENTS = f"{URL}/api/v3.5/events/detections"


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-11-01T12:00:00Z"):
        yield


@pytest.fixture
def api(requests_mock):
    requests_mock.post(f"{URL}/oauth2/token", json={"access_token": "t", "expires_in": 3600})
    return requests_mock


def settings(**overrides):
    params = {"server_url": URL, "credentials": {"identifier": "id", "password": "secret"}, "isFetch": True,
              "mirror_direction": "Incoming And Outgoing", "close_incident_on_detection_closure": True}
    params.update(overrides)
    return vr.parse_settings(params)


def client(config):
    return vr.VectraClient(config, vr.Budget(50), sleep=lambda s: None)


def event(event_id, change_type, **fields):
    return {"id": event_id, "detection_id": 7, "change_type": change_type, "type": "host", "investigation_status": "open",
            "tags": [], "notes": [], **fields}


def parsed(*raws):
    return sorted((vr.DetectionEvent.parse(raw) for raw in raws), key=lambda e: -e.id)


def api_calls(api):
    return [r for r in api.request_history if "/oauth2/" not in r.url]


# --- merging the latest activity and state events ---------------------------------------------------------

MERGES = [
    ("only a new event", [event(1, "new", threat=10, tags=["a"])], {"threat": 10, "tags": ["a"], "change_type": "new"}),
    ("state newer than activity: state wins, tags too",
     [event(1, "append", threat=10, tags=["a"], investigation_status="open"),
      event(2, "investigation_status", threat=20, tags=["b"], investigation_status="escalated")],
     {"threat": 20, "tags": ["b"], "investigation_status": "escalated", "change_type": "investigation_status"}),
    ("activity newer than state: activity wins, its tags are the detection's",
     [event(3, "adjust", threat=20, tags=["x", "y"]), event(4, "append", threat=30, tags=["y", "z"])],
     {"threat": 30, "tags": ["y", "z"], "change_type": "append"}),
    ("a tag removed in Vectra leaves the incident",
     [event(1, "new", tags=["triage-me", "vip"]), event(2, "adjust", tags=["vip"])], {"tags": ["vip"]}),
    ("all tags removed in Vectra", [event(1, "append", tags=["a"]), event(2, "adjust", tags=[])], {"tags": []}),
    ("string lists beyond tags are merged too", [event(1, "new", mitre=["T1"]), event(2, "triage", mitre=["T2"])],
     {"mitre": ["T2", "T1"], "change_type": "triage"}),
    ("the latest of each kind is used", [event(1, "new", threat=1), event(2, "append", threat=2), event(3, "adjust", threat=3),
                                         event(4, "state", threat=4, state="fixed")],
     {"threat": 4, "state": "fixed", "change_type": "state"}),
    ("only state events", [event(5, "adjust", threat=5), event(6, "triage", threat=6)], {"threat": 6, "change_type": "triage"}),
    ("newer state with a null field wins over an older value",
     [event(1, "append", dst_host={"id": 1}), event(2, "adjust", dst_host=None)], {"dst_host": None}),
]


@pytest.mark.parametrize(("case", "raws", "expected"), MERGES, ids=[m[0] for m in MERGES])
def test_merge_of_latest_activity_and_state(case, raws, expected):
    merged = vr.merge_latest(parsed(*raws))
    assert {key: merged.get(key) for key in expected} == expected


def test_merge_ignores_older_events_of_each_kind():
    events = parsed(event(1, "append", threat=99, mitre=["old"]), event(2, "append", threat=1, mitre=["new"]),
                    event(3, "adjust", threat=2, mitre=[]))
    assert vr.merge_latest(events)["mitre"] == ["new"]


# --- notes ---------------------------------------------------------------------------------------------------

N1 = {"id": 1, "note": "first", "created_by": "mdr", "date_created": "2026-11-01T10:00:00Z", "date_modified": None}
N2 = {"id": 2, "note": "second", "created_by": "mdr", "date_created": "2026-11-01T11:30:00Z", "date_modified": None}
N1_EDITED = {**N1, "note": "first, edited", "date_modified": "2026-11-01T11:40:00Z", "modified_by": "mdr"}
ECHO = {"id": 3, "note": "[Mirrored From XSOAR] XSOAR Incident ID: 5\nNote: hello", "date_created": "2026-11-01T11:50:00Z"}


def test_only_notes_new_since_the_previous_cycle_are_delivered():
    events = parsed(event(10, "new", notes=[N1]), event(20, "adjust", notes=[N1, N2, ECHO]))
    assert [n["id"] for n in vr.new_vectra_notes(events, previous_cursor=10, last_update=None)] == [2]
    assert vr.new_vectra_notes(events, previous_cursor=20, last_update=None) == []


def test_an_edited_vectra_note_is_delivered_again_marked_edited():
    events = parsed(event(10, "new", notes=[N1]), event(20, "adjust", notes=[N1_EDITED]))
    fresh = vr.new_vectra_notes(events, previous_cursor=10, last_update=None)
    assert fresh == [N1_EDITED]
    entry = vr.note_entry(fresh[0])
    assert entry["Contents"].startswith("[Mirrored From Vectra] (edited)\nNote: first, edited\nAdded By: mdr")
    assert entry["Note"] is True and entry["Type"] == 1 and "Tags" not in entry  # no mirror tag: never sent back out


def test_notes_mirrored_from_xsoar_never_come_back():
    events = parsed(event(20, "adjust", notes=[ECHO]))
    assert vr.new_vectra_notes(events, previous_cursor=None, last_update=None) == []


def test_a_detection_born_in_the_window_takes_its_first_event_as_baseline_whatever_the_clocks():
    """The incident was made from the detection's `new` event; a note came before XSOAR created the incident (its
    last update): it is news all the same, and the notes of the `new` event are not."""
    events = parsed(event(31, "adjust", notes=[N1, N2]), event(27, "new", notes=[N1]))
    after_the_note = vr.parse_timestamp("2026-11-01T12:00:00Z")
    assert [n["id"] for n in vr.new_vectra_notes(events, previous_cursor=25, last_update=after_the_note)] == [2]


def test_without_a_baseline_in_the_window_notes_newer_than_the_last_update_are_taken():
    events = parsed(event(30, "adjust", notes=[N1, N2]))
    since = vr.parse_timestamp("2026-11-01T11:00:00Z")
    assert [n["id"] for n in vr.new_vectra_notes(events, previous_cursor=25, last_update=since)] == [2]


# --- close and reopen, both ways, without echo ---------------------------------------------------------------


def test_a_close_in_vectra_closes_the_incident_once(invocation):
    events = parsed(event(10, "append"), event(21, "state", state="fixed", reason="benign"))
    entries = vr.lifecycle_entries(7, events, previous_cursor=20)
    assert entries[0]["Contents"] == {"dbotIncidentClose": True, "closeReason": "Other",
                                      "closeNotes": "Closed in Vectra: detection 7 was closed in Vectra as benign."}
    assert entries[1]["Contents"].startswith("[Mirrored From Vectra] Closed in Vectra")
    assert vr.read_context()["inbound"] == {"7": "close"}
    assert vr.lifecycle_entries(7, events, previous_cursor=21) == []  # seen in an earlier cycle: not again


def test_a_reopen_in_vectra_reopens_the_incident(invocation):
    events = parsed(event(21, "state", state="fixed", reason="remediated"), event(22, "state", state="active"))
    entries = vr.lifecycle_entries(7, events, previous_cursor=21)
    assert entries[0]["Contents"] == {"dbotIncidentReopen": True}
    assert vr.read_context()["inbound"] == {"7": "reopen"}


def test_a_close_that_xsoar_made_is_not_echoed_back_in(invocation):
    vr.mark(vr.CONTEXT_OUTBOUND_KEY, 7, "close")
    events = parsed(event(21, "state", state="fixed", reason="remediated"))
    assert vr.lifecycle_entries(7, events, previous_cursor=20) == []
    assert vr.read_context()["outbound"] == {}  # consumed


def test_marks_stay_bounded(invocation):
    for detection_id in range(vr.MAX_ECHO_MARKS + 50):
        vr.mark(vr.CONTEXT_INBOUND_KEY, detection_id, "close")
    marks = vr.read_context()["inbound"]
    assert len(marks) == vr.MAX_ECHO_MARKS and str(vr.MAX_ECHO_MARKS + 49) in marks


# --- get-modified-remote-data ---------------------------------------------------------------------------------


def page(events, remaining=0):
    return {"events": events, "next_checkpoint": events[-1]["id"] if events else 0, "remaining_count": remaining}


def test_modified_ids_come_from_the_stream_after_the_cursor_and_exclude_creations(invocation, api):
    invocation.last_mirror_run = {"cursor": 100}
    api.get(EVENTS, json=page([{"id": 101, "detection_id": 5, "change_type": "new"},
                               {"id": 102, "detection_id": 6, "change_type": "append"},
                               {"id": 103, "detection_id": 6, "change_type": "adjust"},
                               {"id": 104, "detection_id": 5, "change_type": "investigation_status"}]))
    config = settings(isFetch=False)
    result = vr.get_modified_remote_data(client(config), config, {"lastUpdate": "2026-11-01T11:59:00Z"})
    assert result.modified_incident_ids == ["6", "5"]
    assert cycle_range(invocation) == (100, 104)
    (call,) = api_calls(api)
    assert call.qs["from"] == ["100"] and call.qs["limit"] == ["1000"] and "size" not in call.qs  # basic events suffice


def cycle_range(invocation):
    cycle = vr.MirrorCycle.load(invocation.last_mirror_run)
    return cycle.previous, cycle.cursor


def noted(start, end, ids, overflow=False):
    return {"start": start, "end": end, "ids": vr.encode_ids(ids), "overflow": overflow}


def test_with_fetch_on_the_changes_fetch_noted_cost_no_request(invocation, api):
    demisto.setIntegrationContext({"changed": noted(50, 102, {6, 5})})
    config = settings()
    result = vr.get_modified_remote_data(client(config), config, {"lastUpdate": "2026-11-01T11:59:00Z"})
    assert result.modified_incident_ids == ["5", "6"] and cycle_range(invocation) == (50, 102)
    assert api_calls(api) == []
    assert vr.ChangedDetections.load(vr.read_context()["changed"]) == vr.ChangedDetections(102, 102)


def test_asked_again_from_the_same_last_update_the_unfinished_cycle_is_answered_again_with_the_new_changes(invocation, api):
    """The platform did not finish the previous cycle (a get-remote-data failed) and asks from the same lastUpdate:
    the detections handed out then come again, over both cycles' events, with what fetch noted since."""
    config = settings()
    demisto.setIntegrationContext({"changed": noted(50, 102, {6, 5})})
    vr.get_modified_remote_data(client(config), config, {"lastUpdate": "L1"})
    demisto.setIntegrationContext({**demisto.getIntegrationContext(), "changed": json.dumps(noted(102, 110, {9}))})
    again = vr.get_modified_remote_data(client(config), config, {"lastUpdate": "L1"})
    assert again.modified_incident_ids == ["5", "6", "9"] and cycle_range(invocation) == (50, 110)
    demisto.setIntegrationContext({**demisto.getIntegrationContext(), "changed": json.dumps(noted(110, 115, {4}))})
    moved_on = vr.get_modified_remote_data(client(config), config, {"lastUpdate": "L2"})
    assert moved_on.modified_incident_ids == ["4"] and cycle_range(invocation) == (110, 115)
    assert api_calls(api) == []


def test_a_detection_pulled_again_in_a_repeated_cycle_gets_only_what_came_after_its_delivery(invocation, api):
    invocation.last_mirror_run = {"cursor": 30, "previous": 20}
    api.get(EVENTS, json=page([event(25, "adjust", notes=[N1, N2]), event(15, "append", notes=[N1])]))
    config = settings()
    first = vr.get_remote_data(client(config), config, {"id": "7", "lastUpdate": "2026-11-01T11:00:00Z"})
    invocation.last_mirror_run = {"cursor": 40, "previous": 20}  # the platform asked again from the same start
    again = vr.get_remote_data(client(config), config, {"id": "7", "lastUpdate": "2026-11-01T11:00:00Z"})
    assert len(first.entries) == 1 and again.entries == []
    invocation.last_mirror_run = {"cursor": 50, "previous": 40}  # the next cycle: marks of earlier ends are dropped
    vr.get_remote_data(client(config), config, {"id": "7", "lastUpdate": "2026-11-01T11:00:00Z"})
    assert list(vr.read_context()["delivered"]) == ["50"]


def test_before_fetch_ran_nothing_changed(invocation, api):
    config = settings()
    assert vr.get_modified_remote_data(client(config), config, {"lastUpdate": "x"}).modified_incident_ids == []
    assert api_calls(api) == [] and invocation.last_mirror_run is None  # nothing stored


def test_when_fetch_noted_too_many_changes_the_range_is_read(invocation, api):
    demisto.setIntegrationContext({"changed": noted(100, 103, set(), overflow=True)})
    api.get(EVENTS, json=page([{"id": 101, "detection_id": 5, "change_type": "append"},
                               {"id": 103, "detection_id": 6, "change_type": "adjust"},
                               {"id": 104, "detection_id": 7, "change_type": "adjust"}], remaining=3))
    config = settings()
    result = vr.get_modified_remote_data(client(config), config, {"lastUpdate": "x"})
    assert result.modified_incident_ids == ["5", "6"] and cycle_range(invocation) == (100, 103)
    assert [c.qs["from"] for c in api_calls(api)] == [["100"]]
    assert vr.ChangedDetections.load(vr.read_context()["changed"]) == vr.ChangedDetections(103, 103)


def test_changes_fetch_notes_while_mirroring_reads_are_kept():
    stored = vr.ChangedDetections(10, 20, {1, 2})
    stored.extend({2, 3}, 20, 30)  # fetch ran after mirroring read (10, 20] = {1, 2}
    assert stored.after_taking({1, 2}, 20) == vr.ChangedDetections(20, 30, {3})
    overflowing = vr.ChangedDetections(10, 20, overflow=True)
    assert overflowing.after_taking({1}, 15) == vr.ChangedDetections(15, 20, overflow=True)
    assert overflowing.after_taking({1}, 20) == vr.ChangedDetections(20, 20)


def test_noted_changes_stay_bounded():
    changed = vr.ChangedDetections()
    changed.extend(set(range(vr.MAX_CHANGED_IDS)), 0, 10)
    assert not changed.overflow and changed.start == 0 and changed.end == 10
    changed.extend({vr.MAX_CHANGED_IDS + 1}, 10, 20)
    assert changed.overflow and changed.ids == set() and (changed.start, changed.end) == (0, 20)
    assert len(json.dumps(changed.dump())) < 100


def test_modified_pages_through_the_stream(invocation, api):
    invocation.last_mirror_run = {"cursor": 0}
    api.get(EVENTS, [{"json": page([{"id": 1, "detection_id": 1, "change_type": "adjust"}], remaining=1)},
                     {"json": page([{"id": 2, "detection_id": 2, "change_type": "adjust"}])}])
    config = settings(isFetch=False)
    assert vr.get_modified_remote_data(client(config), config, {"lastUpdate": "x"}).modified_incident_ids == ["1", "2"]
    assert [c.qs["from"] for c in api_calls(api)] == [["0"], ["1"]]


@pytest.mark.parametrize("direction", ["", "Outgoing"])
def test_no_incoming_mirroring_means_no_request(invocation, api, direction):
    config = settings(mirror_direction=direction)
    assert vr.get_modified_remote_data(client(config), config, {"lastUpdate": "x"}).modified_incident_ids == []
    assert api_calls(api) == []


# --- get-remote-data ------------------------------------------------------------------------------------------


def test_remote_data_is_one_request_and_carries_the_mirror_fields(invocation, api):
    invocation.integration_instance = "vectra_1"
    invocation.last_mirror_run = {"cursor": 30, "previous": 20}
    api.get(EVENTS, json=page([event(25, "adjust", tags=["b"], notes=[N1, N2], investigation_status="escalated"),
                               event(15, "append", tags=["a"], notes=[N1])]))
    config = settings()
    response = vr.get_remote_data(client(config), config, {"id": "7", "lastUpdate": "2026-11-01T11:00:00Z"})
    (call,) = api_calls(api)
    assert call.qs == {"detection_id": ["7"], "ordering": ["-id"], "limit": ["50"], "size": ["detailed"],
                       "include_info_category": ["true"], "include_triaged": ["true"]}
    mirrored = response.mirrored_object
    assert mirrored["investigation_status"] == "escalated" and mirrored["tags"] == ["b"]
    assert (mirrored["mirror_id"], mirrored["mirror_direction"], mirrored["mirror_instance"]) == ("7", "Both", "vectra_1")
    assert [e["Contents"].split("\n")[1] for e in response.entries] == ["Note: second"]


def test_a_note_and_a_close_landing_while_the_cycle_runs_are_delivered_once_in_the_next_cycle(invocation, api):
    """The cycle covers events 20-30; a note (event 31) and a close (event 32) arrive before get-remote-data runs.
    They belong to the next cycle (31-40), which starts from this cycle's end: delivered there, and only there."""
    N3 = {**N2, "id": 3, "note": "landed mid-cycle"}
    events = [event(32, "state", state="fixed", reason="benign", notes=[N1, N2, N3]),
              event(31, "adjust", notes=[N1, N2, N3]), event(25, "adjust", notes=[N1, N2]), event(15, "append", notes=[N1])]
    api.get(EVENTS, json=page(events))
    config = settings(close_incident_on_detection_closure=True)
    delivered = []
    for cycle in ({"cursor": 30, "previous": 20}, {"cursor": 40, "previous": 30}, {"cursor": 50, "previous": 40}):
        invocation.last_mirror_run = cycle
        response = vr.get_remote_data(client(config), config, {"id": "7", "lastUpdate": "2026-11-01T11:00:00Z"})
        delivered.append([e["Contents"].split("\n")[1] if isinstance(e["Contents"], str) else "close"
                          for e in response.entries if not isinstance(e["Contents"], str) or "Note:" in e["Contents"]])
    assert delivered == [["Note: second"], ["Note: landed mid-cycle", "close"], []]


def test_remote_data_for_a_detection_without_events_is_an_empty_update(invocation, api):
    api.get(EVENTS, json=page([]))
    invocation.command, invocation.args = "get-remote-data", {"id": "7", "lastUpdate": "2026-11-01T11:00:00Z"}
    invocation.params = {"server_url": URL, "credentials": {"identifier": "id", "password": "secret"}}
    vr.main()
    assert invocation.results == [None]


def test_remote_data_throttled_beyond_the_budget_says_api_rate_limit(invocation, api):
    api.get(EVENTS, status_code=429, headers={"Retry-After": "300"}, json={"detail": "throttled"})
    invocation.command, invocation.args = "get-remote-data", {"id": "7", "lastUpdate": "2026-11-01T11:00:00Z"}
    invocation.params = {"server_url": URL, "credentials": {"identifier": "id", "password": "secret"}}
    with contextlib.suppress(SystemExit):
        vr.main()
    assert invocation.results[0]["Type"] == 4 and "API rate limit" in invocation.results[0]["Contents"]


# --- update-remote-system -------------------------------------------------------------------------------------

INCIDENT = {"id": "42", "dbotMirrorDirection": "Both", "vectraruxentityid": 9, "vectraruxentitytype": "host",
            "vectraruxdetectiontags": ["a", "b"]}


def writes(api):
    """The calls that change something in Vectra."""
    return [call for call in api_calls(api) if call.method != "GET"]


def update(api, delta=None, entries=None, status=1, incident=None, vectra_state="active", **overrides):
    api.get(f"{URL}/api/v3.5/detections", json={"count": 1, "results": [{"id": 7, "state": vectra_state}]})
    api.patch(re.compile(f"{URL}/api/v3.5/.*"), json={"_meta": {"level": "Success", "message": "ok"}})
    api.post(re.compile(f"{URL}/api/v3.5/detections/7/notes"), json={"id": 1, "note": "x"}, status_code=201)
    config = settings(**overrides)
    args = {"remoteId": "7", "data": {**INCIDENT, **(incident or {})}, "delta": delta or {}, "entries": entries or [],
            "status": status, "incidentChanged": bool(delta)}
    return vr.update_remote_system(client(config), config, args)


def test_field_changes_are_pushed(invocation, api):
    assert update(api, {"vectraruxinvestigationstatus": "Paused", "vectraruxexternalreferenceid": "INC-1"}) == "7"
    bodies = [c.json() for c in api_calls(api)]
    assert bodies == [{"detectionIdList": [7], "investigation_status": "paused"},
                      {"detectionIdList": [7], "external_reference_id": "INC-1"}]


def test_tags_push_only_the_difference_and_keep_vectra_side_tags(invocation, api):
    api.get(f"{URL}/api/v3.5/tagging/detection/7", json={"status": "success", "tag_id": "7", "tags": ["a", "b", "vectra-only"]})
    api.patch(f"{URL}/api/v3.5/tagging/detection/7", json={"status": "success", "tag_id": "7", "tags": []})
    update(api, {"tags": ["a", "c"]})  # the analyst removed b and added c
    assert api_calls(api)[-1].json() == {"tags": ["a", "vectra-only", "c"]}


def test_unchanged_tags_write_nothing(invocation, api):
    update(api, {"tags": ["b", "a"]})
    assert api_calls(api) == []


@pytest.mark.parametrize("delta", [{"vectraruxentityunresolvedprioritystatus": False},
                                   {"vectraruxentityunresolvedprioritystatus": "false"},
                                   {"vectraruxentityprioritystatus": "Not Prioritized"}])
def test_unresolved_priority_reset(invocation, api, delta):
    update(api, delta)
    (call,) = api_calls(api)
    assert call.url.startswith(f"{URL}/api/v3.5/entities/9?type=host") and call.json() == {"unresolved_priority": "False"}


def test_a_refused_priority_reset_is_reported_with_vectras_words(invocation, api):
    api.patch(f"{URL}/api/v3.5/entities/9", status_code=400, json={"detail": "entity is above the threshold"})
    config = settings()
    args = {"remoteId": "7", "data": INCIDENT, "delta": {"vectraruxentityunresolvedprioritystatus": False}, "entries": [],
            "status": 1, "incidentChanged": True}
    with pytest.raises(vr.DemistoException, match="entity is above the threshold"):
        vr.update_remote_system(client(config), config, args)


def test_tagged_war_room_notes_become_detection_notes(invocation, api):
    update(api, entries=[{"id": "e1", "type": "note", "contents": "Contained.", "user": "jane"},
                         {"id": "e2", "type": "note", "contents": "[Mirrored From Vectra]\nNote: from MDR", "user": "x"}])
    (call,) = api_calls(api)
    assert call.json() == {"note": "[Mirrored From XSOAR] XSOAR Incident ID: 42\nNote: Contained.\nAdded By: jane"}


def test_a_note_too_long_for_vectra_is_reported_not_dropped_and_the_rest_still_goes(invocation, api):
    with pytest.raises(vr.DemistoException, match="e9 was not added to Vectra detection 7: .* at most 8000"):
        update(api, {"vectraruxinvestigationstatus": "paused"}, entries=[{"id": "e9", "contents": "x" * 7990}])
    assert [c.json() for c in api_calls(api)] == [{"detectionIdList": [7], "investigation_status": "paused"}]


def test_closing_the_incident_closes_the_detection(invocation, api):
    update(api, {"closeReason": "Resolved", "closeNotes": "Host reimaged", "closingUserId": "jane"}, status=2,
           incident={"closeReason": "Resolved", "closeNotes": "Host reimaged"})
    calls = writes(api)
    assert [c.json() for c in calls[:2]] == [{"detectionIdList": [7], "reason": "remediated"},
                                             {"detectionIdList": [7], "investigation_status": "closed"}]
    assert calls[2].json()["note"] == ("[Mirrored From XSOAR] XSOAR Incident ID: 42 was closed.\nClose Reason: Resolved\n"
                                       "Close Notes: Host reimaged")
    assert vr.read_context()["outbound"] == {"7": "close"}


@pytest.mark.parametrize(("incident", "marks", "overrides"), [
    ({"closeNotes": "Closed in Vectra: detection 7 was closed in Vectra as benign."}, {}, {}),
    ({}, {"inbound": {"7": "close"}}, {}),
    ({}, {}, {"close_detection_on_incident_closure": False}),
])
def test_closes_that_came_from_vectra_or_are_not_wanted_are_not_pushed(invocation, api, incident, marks, overrides):
    demisto.setIntegrationContext(marks)
    update(api, {"closeReason": "Other", "closingUserId": "DBot"}, status=2, incident=incident, **overrides)
    assert api_calls(api) == []


def test_a_detection_already_closed_in_vectra_is_not_closed_again(invocation, api):
    update(api, {"closeReason": "Resolved", "closingUserId": "jane"}, status=2, vectra_state="fixed")
    assert writes(api) == [] and "outbound" not in vr.read_context()


def test_reopening_the_incident_reopens_the_detection_with_the_configured_status(invocation, api):
    update(api, {"closingUserId": "", "runStatus": ""}, status=1, detection_status_for_reopen="Open", vectra_state="fixed")
    assert [c.json() for c in writes(api)] == [{"detectionIdList": [7]},
                                               {"detectionIdList": [7], "investigation_status": "open"}]


def test_reopening_a_detection_already_active_only_sets_its_status(invocation, api):
    update(api, {"closingUserId": "", "runStatus": ""}, status=1, detection_status_for_reopen="Open")
    assert [c.json() for c in writes(api)] == [{"detectionIdList": [7], "investigation_status": "open"}]


def test_a_failed_update_retried_with_the_same_entries_adds_each_note_once(invocation, api):
    entries = [{"id": "e1", "contents": "short note", "user": "jane"}, {"id": "e2", "contents": "x" * 9000}]
    for _ in range(3):
        with pytest.raises(vr.DemistoException, match="8000"):
            update(api, entries=entries)
    assert [call.url.endswith("/notes") for call in writes(api)] == [True]
    assert vr.read_context()["pushed"] == {"7": ["e1"]}
    update(api, entries=[{"id": "e3", "contents": "next"}])  # an update that succeeds whole clears the marks
    assert vr.read_context()["pushed"] == {}


def test_a_reopen_that_came_from_vectra_is_not_pushed(invocation, api):
    demisto.setIntegrationContext({"inbound": {"7": "reopen"}})
    update(api, {"closingUserId": "", "runStatus": ""}, status=1)
    assert api_calls(api) == [] and vr.read_context()["inbound"] == {}


@pytest.mark.parametrize(("incident_direction", "instance_direction"), [("In", "Incoming And Outgoing"), ("", "Incoming"),
                                                                        ("", "")])
def test_incidents_not_mirroring_out_push_nothing(invocation, api, incident_direction, instance_direction):
    update(api, {"vectraruxinvestigationstatus": "paused"}, incident={"dbotMirrorDirection": incident_direction},
           mirror_direction=instance_direction)
    assert api_calls(api) == []


def test_mapping_fields_list_what_goes_out(invocation):
    mapping = vr.get_mapping_fields().extract_mapping()
    assert set(mapping["Vectra RUX Events Detection"]) >= {"vectraruxinvestigationstatus", "vectraruxexternalreferenceid",
                                                          "vectraruxentityunresolvedprioritystatus", "tags"}


def test_main_dispatches_the_mirroring_commands(invocation, api):
    invocation.command = "get-mapping-fields"
    invocation.params = {"server_url": URL, "credentials": {"identifier": "id", "password": "secret"}}
    vr.main()
    assert "Vectra RUX Events Detection" in invocation.results[0]
    invocation.results.clear()
    invocation.command, invocation.last_mirror_run = "get-modified-remote-data", {"cursor": 1}
    invocation.args = {"lastUpdate": "2026-11-01T11:00:00Z"}
    invocation.params = {**invocation.params, "mirror_direction": "Incoming"}
    api.get(EVENTS, json=page([{"id": 2, "detection_id": 8, "change_type": "append"}]))
    vr.main()
    assert invocation.results == [{"Contents": ["8"], "Type": 1, "ContentsFormat": "json"}]
    assert json.dumps(invocation.last_mirror_run) == (
        '{"cursor": 2, "previous": 1, "last_update": "2026-11-01T11:00:00Z", "ids": "CA=="}')
