"""The vectra-* commands, run as the platform runs them (`main()` with `demistomock` patched), over Vectra answers
recorded from the emulator (`test_data/api_answers.json`): what each sends to Vectra, the War Room entry and context
it returns, its empty result, every argument refused (named, with what it accepts) before any request, Vectra's own
error text surfaced, and the client secret never shown."""

import contextlib
import json
import re
from pathlib import Path

import demistomock as demisto
import pytest
import requests_mock as rm
import VectraRUX
from freezegun import freeze_time

TEST_DATA = Path(__file__).parent / "test_data"
ANSWERS = json.loads((TEST_DATA / "api_answers.json").read_text())
TOKEN = json.loads((TEST_DATA / "token_response.json").read_text())
SERVER = "https://vectra.test"
V35, V34 = f"{SERVER}/api/v3.5", f"{SERVER}/api/v3.4"
SECRET = "client-secret-never-shown"
PARAMS = {"server_url": SERVER, "credentials": {"identifier": "client-id", "password": SECRET}}
NOTE_ENTRY, FILE_ENTRY, ERROR_ENTRY = 1, 3, 4
EMPTY_PAGE = {"count": 0, "next": None, "previous": None, "results": []}


class Platform:
    """One command run at a time, as the platform runs it: parameters, command and arguments set, the entry it
    returns read from `demisto.results`, its requests to Vectra read from requests_mock."""

    def __init__(self, mocker, api):
        self.mocker, self.api = mocker, api
        self.results = mocker.patch.object(demisto, "results")

    def run(self, command: str, args: dict | None = None) -> dict:
        self.results.reset_mock()
        self.mocker.patch.object(demisto, "command", return_value=command)
        self.mocker.patch.object(demisto, "args", return_value=args or {})
        with contextlib.suppress(SystemExit):  # an error entry ends the run
            VectraRUX.main()
        assert self.results.call_count == 1
        return self.results.call_args.args[0]

    @property
    def requests(self) -> list:
        """The requests to Vectra's API (token requests left out)."""
        return [request for request in self.api.request_history if "/oauth2/" not in request.url]

    @property
    def last(self):
        return self.requests[-1]


@pytest.fixture(autouse=True)
def frozen():
    """The answers were recorded at this moment; relative arguments ("2 days") count back from it."""
    with freeze_time("2026-11-01T12:00:00Z"):
        yield


def keep_integration_context(mocker) -> dict:
    """The instance's integration context, kept in a dict between the runs of a test as the platform keeps it."""
    stored: dict = {}

    def replace(context: dict) -> None:
        stored.clear()
        stored.update(context)

    mocker.patch.object(demisto, "getIntegrationContext", side_effect=lambda: dict(stored))
    mocker.patch.object(demisto, "setIntegrationContext", side_effect=replace)
    return stored


def configured_instance(mocker, requests_mock) -> Platform:
    """An instance with its parameters, Vectra's token endpoint answering."""
    mocker.patch.object(demisto, "params", return_value=PARAMS)
    mocker.patch.object(demisto, "error")  # return_error logs its message with demisto.error, which prints in the mock
    requests_mock.post(f"{SERVER}/oauth2/token", json=TOKEN)
    return Platform(mocker, requests_mock)


@pytest.fixture
def integration_context(mocker) -> dict:
    return keep_integration_context(mocker)


@pytest.fixture
def vectra(mocker, requests_mock, integration_context, monkeypatch, tmp_path) -> Platform:
    monkeypatch.chdir(tmp_path)  # where fileResult writes the files it returns
    return configured_instance(mocker, requests_mock)


def context_key(prefix: str, *key_fields: str) -> str:
    """The platform's context key for records merged on `key_fields`."""
    return f"{prefix}({' && '.join(f'val.{key} && val.{key} == obj.{key}' for key in key_fields)})"


def context_of(entry: dict) -> tuple[str, object]:
    (key, value), = entry["EntryContext"].items()
    return key, value


def empty_elements(value, path="") -> list[str]:
    """Where `value` holds None, [] or {} (what the platform's remove_empty_elements drops)."""
    if value is None or value == [] or value == {}:
        return [path or "."]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in empty_elements(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in empty_elements(item, f"{path}[{index}]")]
    return []


# --- every command's context: the published keys, one record as an object, a listing as a list, no empties -------

DETECTION_TAGS = f"{V35}/tagging/detection/5"
ENTITY_TAGS = f"{V35}/tagging/entity/9"
CONTEXTS = [
    # command, arguments, Vectra's answers (method, url, body), context key fields, one record (object) or a listing
    ("vectra-detection-list", {}, [("GET", f"{V35}/detections", ANSWERS["detections_page"])],
     ("Vectra.Detection", "id"), list),
    ("vectra-detection-describe", {"detection_ids": "1000"}, [("GET", f"{V35}/detections", ANSWERS["detections_page"])],
     ("Vectra.Entity.Detections", "id"), list),
    ("vectra-entity-detection-list", {"entity_id": "101", "entity_type": "host"},
     [("GET", f"{V35}/detections", ANSWERS["detections_page"])], ("Vectra.Entity.Detections", "id"), list),
    ("vectra-detection-investigation-status-update", {"detection_ids": "7", "investigation_status": "open"},
     [("PATCH", f"{V35}/detections", ANSWERS["detections_patch"])], ("Vectra.Detection", "id"), list),
    ("vectra-detection-external-id-update", {"detection_ids": "7", "external_reference_id": "INC-1"},
     [("PATCH", f"{V35}/detections", ANSWERS["detections_patch"])], ("Vectra.Detection", "id"), list),
    ("vectra-detection-tag-list", {"detection_id": "5"}, [("GET", DETECTION_TAGS, ANSWERS["tags"])],
     ("Vectra.Detection.Tags", "tag_id", "detection_id"), dict),
    ("vectra-detection-tag-add", {"detection_id": "5", "tags": "new"},
     [("GET", DETECTION_TAGS, ANSWERS["tags"]), ("PATCH", DETECTION_TAGS, ANSWERS["tags"])],
     ("Vectra.Detection.Tags", "tag_id", "detection_id"), dict),
    ("vectra-detection-tag-remove", {"detection_id": "5", "tags": "vip"},
     [("GET", DETECTION_TAGS, ANSWERS["tags"]), ("PATCH", DETECTION_TAGS, ANSWERS["tags"])],
     ("Vectra.Detection.Tags", "tag_id", "detection_id"), dict),
    ("vectra-detection-note-list", {"detection_id": "5"}, [("GET", f"{V35}/detections/5/notes", ANSWERS["notes"])],
     ("Vectra.Detection.Notes", "detection_id", "note_id"), list),
    ("vectra-detection-note-add", {"detection_id": "5", "note": "n"},
     [("POST", f"{V35}/detections/5/notes", ANSWERS["note"])], ("Vectra.Detection.Notes", "detection_id", "note_id"), dict),
    ("vectra-detection-note-update", {"detection_id": "5", "note_id": "1", "note": "n"},
     [("PATCH", f"{V35}/detections/5/notes/1", ANSWERS["note"])], ("Vectra.Detection.Notes", "detection_id", "note_id"),
     dict),
    ("vectra-entity-list", {}, [("GET", f"{V34}/entities", ANSWERS["entities_page"])], ("Vectra.Entity", "id", "type"), list),
    ("vectra-entity-describe", {"entity_id": "100", "entity_type": "host"},
     [("GET", f"{V34}/entities/100", ANSWERS["entity"])], ("Vectra.Entity", "id", "type"), dict),
    ("vectra-entity-external-id-update", {"entity_id": "100", "entity_type": "host", "external_reference_id": "C-1"},
     [("PATCH", f"{V35}/entities/100", ANSWERS["entity_patch"])], ("Vectra.Entity", "id", "type"), dict),
    ("vectra-entity-unresolved-priority-reset", {"entity_id": "100", "entity_type": "host"},
     [("PATCH", f"{V35}/entities/100", ANSWERS["entity_patch"])], ("Vectra.Entity", "id", "type"), dict),
    ("vectra-entity-tag-list", {"entity_id": "9", "entity_type": "host"}, [("GET", ENTITY_TAGS, ANSWERS["tags"])],
     ("Vectra.Entity.Tags", "tag_id", "entity_type", "entity_id"), dict),
    ("vectra-entity-tag-add", {"entity_id": "9", "entity_type": "host", "tags": "new"},
     [("GET", ENTITY_TAGS, ANSWERS["tags"]), ("PATCH", ENTITY_TAGS, ANSWERS["tags"])],
     ("Vectra.Entity.Tags", "tag_id", "entity_type", "entity_id"), dict),
    ("vectra-entity-tag-remove", {"entity_id": "9", "entity_type": "host", "tags": "vip"},
     [("GET", ENTITY_TAGS, ANSWERS["tags"]), ("PATCH", ENTITY_TAGS, ANSWERS["tags"])],
     ("Vectra.Entity.Tags", "tag_id", "entity_type", "entity_id"), dict),
    ("vectra-entity-note-list", {"entity_id": "9", "entity_type": "host"},
     [("GET", f"{V35}/entities/9/notes", ANSWERS["notes"])], ("Vectra.Entity.Notes", "entity_id", "entity_type", "note_id"),
     list),
    ("vectra-entity-note-add", {"entity_id": "9", "entity_type": "host", "note": "n"},
     [("POST", f"{V35}/entities/9/notes", ANSWERS["note"])], ("Vectra.Entity.Notes", "entity_id", "entity_type", "note_id"),
     dict),
    ("vectra-entity-note-update", {"entity_id": "9", "entity_type": "host", "note_id": "1", "note": "n"},
     [("PATCH", f"{V35}/entities/9/notes/1", ANSWERS["note"])],
     ("Vectra.Entity.Notes", "entity_id", "entity_type", "note_id"), dict),
    ("vectra-assignment-list", {}, [("GET", f"{V35}/assignments", ANSWERS["assignments_page"])],
     ("Vectra.Entity.Assignments", "assignment_id"), list),
    ("vectra-entity-assignment-add", {"entity_id": "100", "entity_type": "account", "user_id": "21"},
     [("POST", f"{V35}/assignments", ANSWERS["assignment_create"])], ("Vectra.Entity.Assignments", "assignment_id"), dict),
    ("vectra-entity-assignment-update", {"assignment_id": "2", "user_id": "22"},
     [("PUT", f"{V35}/assignments/2", ANSWERS["assignment_reassign"])], ("Vectra.Entity.Assignments", "assignment_id"),
     dict),
    ("vectra-entity-assignment-resolve", {"assignment_id": "2", "outcome_id": "1"},
     [("PUT", f"{V35}/assignments/2/resolve", ANSWERS["assignment_resolve"])],
     ("Vectra.Entity.Assignments", "assignment_id"), dict),
    ("vectra-assignment-outcome-list", {}, [("GET", f"{V35}/assignment_outcomes", ANSWERS["outcomes_page"])],
     ("Vectra.Entity.Assignments.Outcomes", "outcome_id"), list),
    ("vectra-group-list", {}, [("GET", f"{V35}/groups", ANSWERS["groups_page"])], ("Vectra.Group", "group_id"), list),
    ("vectra-group-assign", {"group_id": "1", "members": "555"},
     [("GET", f"{V35}/groups/1", ANSWERS["group_host"]), ("PATCH", f"{V35}/groups/1", ANSWERS["group_host"])],
     ("Vectra.Group", "group_id"), dict),
    ("vectra-group-unassign", {"group_id": "1", "members": "100"},
     [("GET", f"{V35}/groups/1", ANSWERS["group_host"]), ("PATCH", f"{V35}/groups/1", ANSWERS["group_host"])],
     ("Vectra.Group", "group_id"), dict),
    ("vectra-user-list", {}, [("GET", f"{V35}/users", ANSWERS["users_page"])], ("Vectra.User", "user_id"), list),
    ("vectra-investigation-query-send", {"query": "q"}, [("POST", f"{V35}/investigations", ANSWERS["investigation_submit"])],
     ("Vectra.Investigation", "request_id"), dict),
]


@pytest.mark.parametrize(("command", "args", "answers", "key_fields", "shape"), CONTEXTS, ids=[c[0] for c in CONTEXTS])
def test_every_command_writes_its_context_the_published_way(vectra, command, args, answers, key_fields, shape):
    """Playbooks written for the published integration pick records by its keys, read one record where it wrote an
    object and loop where it wrote a list, and test keys for existence: empty fields are left out."""
    for method, url, body in answers:
        vectra.api.register_uri(method, url, json=body)
    key, value = context_of(vectra.run(command, args))
    assert key == context_key(*key_fields)
    assert isinstance(value, shape) and value
    assert empty_elements(value) == []


def test_an_investigation_keeps_its_rows_whole_and_drops_only_empty_top_level_fields(vectra):
    """As the published integration writes it: a running query's empty `data` left out, a row's fields all kept."""
    url = f"{V35}/investigations/r-1"
    row_with_a_null = {**ANSWERS["investigation_completed"]["data"][0], "bytes_out": None}
    completed = {**ANSWERS["investigation_completed"], "data": [row_with_a_null]}
    vectra.api.get(url, [{"json": ANSWERS["investigation_running"]}, {"json": completed}])
    assert "data" not in context_of(vectra.run("vectra-investigation-result-get", {"id": "r-1"}))[1]
    assert context_of(vectra.run("vectra-investigation-result-get", {"id": "r-1"}))[1]["data"] == [row_with_a_null]


# --- detections -----------------------------------------------------------------------------------------------


def test_detection_list_sends_every_filter_and_links_to_the_ui(vectra):
    vectra.api.get(f"{V35}/detections", json=ANSWERS["detections_page"])
    entry = vectra.run("vectra-detection-list", {
        "created_after": "2 days", "created_before": "2026-11-01T00:00:00Z", "last_detected_after": "1 day",
        "last_detected_before": "2026-11-01T06:00:00Z", "description": "admin", "detection_name": "Tunnel",
        "detection_type": "Hidden HTTPS Tunnel", "detection_category": "lateral movement",
        "include_info_category_detections": "false", "close_reason": "Benign", "detection_state": "active",
        "entity_type": "Host", "tags": "a, b,a", "is_triaged": "true", "page": "2", "page_size": "3"})
    assert vectra.last.qs == {
        "created_timestamp_gte": ["2026-10-30t12:00:00z"], "created_timestamp_lte": ["2026-11-01t00:00:00z"],
        "last_timestamp_gte": ["2026-10-31t12:00:00z"], "last_timestamp_lte": ["2026-11-01t06:00:00z"],
        "description": ["admin"], "detection": ["tunnel"], "detection_type": ["hidden https tunnel"],
        "detection_category": ["lateral"], "include_info_category": ["false"], "reason": ["benign"], "state": ["active"],
        "type": ["host"], "tags": ["a,b"], "is_triaged": ["true"], "page": ["2"], "page_size": ["3"]}
    assert [d["id"] for d in context_of(entry)[1]] == [d["id"] for d in ANSWERS["detections_page"]["results"]]
    assert entry["Contents"] == ANSWERS["detections_page"]
    assert f"3 of {ANSWERS['detections_page']['count']} detections (page 2, page size 3)" in entry["HumanReadable"]
    first_id = ANSWERS["detections_page"]["results"][0]["id"]
    assert f"[{first_id}]({SERVER}/detections/{first_id}?pivot={VectraRUX.USER_AGENT})" in entry["HumanReadable"]


def test_detection_list_defaults(vectra):
    vectra.api.get(f"{V35}/detections", json=ANSWERS["detections_page"])
    vectra.run("vectra-detection-list")
    assert vectra.last.qs == {"include_info_category": ["true"], "is_triaged": ["false"], "page": ["1"], "page_size": ["50"]}


def test_a_page_without_a_count_says_how_many_are_shown(vectra):
    vectra.api.get(f"{V35}/detections", json={"results": ANSWERS["detections_page"]["results"][:2]})
    assert "Detections: 2 detections" in vectra.run("vectra-detection-list")["HumanReadable"]


def test_detection_rows_name_the_source_host_or_account(vectra):
    vectra.api.get(f"{V35}/detections", json=ANSWERS["detections_page"])
    readable = vectra.run("vectra-detection-list")["HumanReadable"]
    for detection in ANSWERS["detections_page"]["results"]:
        source = detection.get("src_host") or detection.get("src_account")
        assert f"| {source['name']} |" in readable


def test_detection_describe_deduplicates_ids(vectra):
    vectra.api.get(f"{V35}/detections", json=ANSWERS["detections_page"])
    vectra.run("vectra-detection-describe", {"detection_ids": "1003, 1001,1003"})
    assert vectra.last.qs["id"] == ["1003,1001"]


def test_entity_detection_list_asks_for_the_entitys_active_detections(vectra):
    vectra.api.get(f"{V35}/detections", json=ANSWERS["detections_page"])
    entry = vectra.run("vectra-entity-detection-list", {
        "entity_id": "101", "entity_type": "HOST", "tags": "x", "detection_category": "Botnet", "detection_type": "t",
        "detection_name": "n", "last_timestamp": "1 day"})
    assert vectra.last.qs == {"entity_id": ["101"], "type": ["host"], "state": ["active"], "tags": ["x"],
                              "detection_category": ["botnet"], "detection_type": ["t"], "detection": ["n"],
                              "last_timestamp_gte": ["2026-10-31t12:00:00z"], "page": ["1"], "page_size": ["50"]}
    assert "Detections of host 101" in entry["HumanReadable"]


def test_mark_as_closed_and_open(vectra):
    vectra.api.patch(f"{V35}/detections/close", json=ANSWERS["detections_close"])
    entry = vectra.run("vectra-detections-mark-asclosed", {"detection_ids": "7,8", "close_reason": "Remediated"})
    assert vectra.last.json() == {"detectionIdList": [7, 8], "reason": "remediated"}
    assert entry["HumanReadable"] == "Closed detection(s) 7, 8 as remediated. Vectra: Successfully closed detections."
    assert entry["EntryContext"] == {}
    vectra.api.patch(f"{V35}/detections/open", json=ANSWERS["detections_open"])
    entry = vectra.run("vectra-detections-mark-asopen", {"detection_ids": "7"})
    assert vectra.last.json() == {"detectionIdList": [7]}
    assert entry["HumanReadable"] == "Reopened detection(s) 7. Vectra: Successfully re-opened detections."


def test_an_answer_without_a_message_confirms_what_was_asked(vectra):
    vectra.api.patch(f"{V35}/detections/open", status_code=204)
    assert vectra.run("vectra-detections-mark-asopen", {"detection_ids": "7"})["HumanReadable"] == "Reopened detection(s) 7."


def test_a_meta_error_level_is_an_error(vectra):
    vectra.api.patch(f"{V35}/detections/open", json={"_meta": {"level": "errors", "message": "Detection 7 is not closed"}})
    entry = vectra.run("vectra-detections-mark-asopen", {"detection_ids": "7"})
    assert entry["Type"] == ERROR_ENTRY and "Vectra reported: Detection 7 is not closed" in entry["Contents"]


@pytest.mark.parametrize(("command", "argument", "value", "sent"), [
    ("vectra-detection-investigation-status-update", "investigation_status", "Escalated", "escalated"),
    ("vectra-detection-external-id-update", "external_reference_id", "INC-2026-00421", "INC-2026-00421"),
])
def test_detection_field_updates(vectra, command, argument, value, sent):
    vectra.api.patch(f"{V35}/detections", json=ANSWERS["detections_patch"])
    entry = vectra.run(command, {"detection_ids": "3,4", argument: value})
    assert vectra.last.json() == {"detectionIdList": [3, 4], argument: sent}
    assert context_of(entry)[1] == [{"id": 3, argument: sent}, {"id": 4, argument: sent}]


def test_pcap_download_is_a_file_named_by_vectra(vectra):
    vectra.api.get(f"{V35}/detections/12/pcap", content=b"\xd4\xc3\xb2\xa1pcap",
                   headers={"Content-Disposition": 'attachment; filename="IP-10.0.0.1_hidden_tunnel_12.pcap"'})
    entry = vectra.run("vectra-detection-pcap-download", {"detection_id": "12"})
    assert entry["Type"] == FILE_ENTRY and entry["File"] == "IP-10.0.0.1_hidden_tunnel_12.pcap"
    assert Path(f"{demisto.investigation()['id']}_{entry['FileID']}").read_bytes() == b"\xd4\xc3\xb2\xa1pcap"


def test_pcap_without_a_file_name_gets_one(vectra):
    vectra.api.get(f"{V35}/detections/12/pcap", content=b"x")
    assert vectra.run("vectra-detection-pcap-download", {"detection_id": "12"})["File"] == "detection_12.pcap"


def test_a_pcap_file_name_cannot_leave_the_folder(vectra):
    vectra.api.get(f"{V35}/detections/12/pcap", content=b"x",
                   headers={"Content-Disposition": 'attachment; filename="../a/b.pcap"'})
    assert vectra.run("vectra-detection-pcap-download", {"detection_id": "12"})["File"] == ".._a_b.pcap"


# --- tags and notes: detections and entities share one implementation -------------------------------------------


TARGETS = [
    pytest.param("detection", {"detection_id": "5"}, {"detection_id": 5}, id="detection"),
    pytest.param("entity", {"entity_id": "9", "entity_type": "Account"}, {"entity_id": 9, "entity_type": "account"},
                 id="entity"),
]


def tags_url(kind: str) -> str:
    return DETECTION_TAGS if kind == "detection" else ENTITY_TAGS


def notes_url(kind: str) -> str:
    return f"{V35}/detections/5/notes" if kind == "detection" else f"{V35}/entities/9/notes"


def label(kind: str) -> str:
    return "detection 5" if kind == "detection" else "account 9"


def tagging(*tags: str, tag_id: str = "5") -> dict:
    return {"status": "success", "tag_id": tag_id, "tags": list(tags)}


@pytest.mark.parametrize(("kind", "target", "identity"), TARGETS)
def test_tag_add_writes_back_the_whole_list(vectra, kind, target, identity):
    vectra.api.get(tags_url(kind), json=tagging("pentest", "vip"))
    vectra.api.patch(tags_url(kind), json=tagging("pentest", "vip", "new"))
    entry = vectra.run(f"vectra-{kind}-tag-add", {**target, "tags": "vip,new"})
    assert vectra.last.method == "PATCH" and vectra.last.json() == {"tags": ["pentest", "vip", "new"]}
    assert vectra.last.qs == {"type": [identity.get("entity_type", "detection")]}
    assert entry["HumanReadable"] == (f"Added tag(s) new to {label(kind)}. Tag(s) already present: vip. "
                                      "Tags now: pentest, vip, new.")
    assert context_of(entry)[1] == {"tag_id": "5", **identity, "tags": ["pentest", "vip", "new"]}


@pytest.mark.parametrize(("kind", "target", "identity"), TARGETS)
def test_tag_changes_that_change_nothing_write_nothing(vectra, kind, target, identity):
    vectra.api.get(tags_url(kind), json=tagging("pentest", tag_id="77"))
    entry = vectra.run(f"vectra-{kind}-tag-add", {**target, "tags": "pentest"})
    assert [r.method for r in vectra.requests] == ["GET"]
    assert entry["HumanReadable"] == f"Nothing to change on {label(kind)}. Tag(s) already present: pentest. Tags now: pentest."
    assert context_of(entry)[1] == {"tag_id": "77", **identity, "tags": ["pentest"]}  # Vectra's tag_id, as it read it
    entry = vectra.run(f"vectra-{kind}-tag-remove", {**target, "tags": "absent"})
    assert [r.method for r in vectra.requests] == ["GET", "GET"]
    assert "Tag(s) not present: absent." in entry["HumanReadable"]


@pytest.mark.parametrize(("kind", "target", "identity"), TARGETS)
def test_tag_remove_keeps_the_other_tags(vectra, kind, target, identity):
    vectra.api.get(tags_url(kind), json=tagging("a", "b", "c"))
    vectra.api.patch(tags_url(kind), json=tagging("a", "c"))
    entry = vectra.run(f"vectra-{kind}-tag-remove", {**target, "tags": "b"})
    assert vectra.last.json() == {"tags": ["a", "c"]}
    assert entry["HumanReadable"] == f"Removed tag(s) b from {label(kind)}. Tags now: a, c."


@pytest.mark.parametrize(("kind", "target", "identity"), TARGETS)
def test_removing_the_last_tag_leaves_no_empty_list_in_context(vectra, kind, target, identity):
    vectra.api.get(tags_url(kind), json=tagging("a"))
    vectra.api.patch(tags_url(kind), json=tagging())
    entry = vectra.run(f"vectra-{kind}-tag-remove", {**target, "tags": "a"})
    assert entry["HumanReadable"].endswith("Tags now: none.")
    assert context_of(entry)[1] == {"tag_id": "5", **identity}


@pytest.mark.parametrize(("kind", "target", "identity"), TARGETS)
def test_tag_list_and_vectras_failure_answer(vectra, kind, target, identity):
    vectra.api.get(tags_url(kind), [{"json": ANSWERS["tags"]}, {"json": tagging()},
                                    {"json": {"status": "failure", "message": "Unknown server error"}}])
    assert vectra.run(f"vectra-{kind}-tag-list", target)["HumanReadable"] == f"Tags of {label(kind)}: pentest, vip."
    assert vectra.run(f"vectra-{kind}-tag-list", target)["HumanReadable"] == f"{label(kind).capitalize()} has no tags."
    entry = vectra.run(f"vectra-{kind}-tag-list", target)
    assert entry["Type"] == ERROR_ENTRY and "Vectra refused the tag change: Unknown server error" in entry["Contents"]


@pytest.mark.parametrize(("kind", "target", "identity"), TARGETS)
def test_a_refused_tag_change_names_the_invalid_tags(vectra, kind, target, identity):
    vectra.api.get(tags_url(kind), json=tagging())
    vectra.api.patch(tags_url(kind), json=ANSWERS["tags_invalid"])
    entry = vectra.run(f"vectra-{kind}-tag-add", {**target, "tags": "new"})
    assert entry["Type"] == ERROR_ENTRY
    assert "Vectra refused the tag change: Invalid field(s) found (invalid tags: bad<tag>)" in entry["Contents"]


@pytest.mark.parametrize(("kind", "target", "identity"), TARGETS)
def test_notes_lifecycle(vectra, kind, target, identity):
    query = {"type": [identity["entity_type"]]} if kind == "entity" else {}
    vectra.api.get(notes_url(kind), json=ANSWERS["notes"])
    notes = context_of(vectra.run(f"vectra-{kind}-note-list", target))[1]
    assert [n["note"] for n in notes] == ["Checked with the owner.", "Ticket INC-42 opened."]
    assert all(n["note_id"] == n["id"] and identity.items() <= n.items() for n in notes)
    assert vectra.last.qs == query

    vectra.api.post(notes_url(kind), json=ANSWERS["note"], status_code=201)
    entry = vectra.run(f"vectra-{kind}-note-add", {**target, "note": "Checked with the owner."})
    assert vectra.last.json() == {"note": "Checked with the owner."} and vectra.last.qs == query
    assert context_of(entry)[1]["note_id"] == ANSWERS["note"]["id"]
    assert f"Added a note to {label(kind)}" in entry["HumanReadable"]

    vectra.api.patch(f"{notes_url(kind)}/77", json={**ANSWERS["note"], "id": 77, "note": "edited"})
    entry = vectra.run(f"vectra-{kind}-note-update", {**target, "note_id": "77", "note": "edited"})
    assert vectra.last.json() == {"note": "edited"}
    assert context_of(entry)[1] == {**identity, "note_id": 77, **{k: v for k, v in ANSWERS["note"].items() if v is not None},
                                    "id": 77, "note": "edited"}
    assert f"Updated note 77 of {label(kind)}" in entry["HumanReadable"]

    vectra.api.delete(f"{notes_url(kind)}/77", status_code=204)
    entry = vectra.run(f"vectra-{kind}-note-remove", {**target, "note_id": "77"})
    assert vectra.last.method == "DELETE" and entry["HumanReadable"] == f"Deleted note 77 of {label(kind)}."
    assert entry["EntryContext"] == {}


# --- entities -------------------------------------------------------------------------------------------------


def test_entity_list_sends_every_filter(vectra):
    vectra.api.get(f"{V34}/entities", json=ANSWERS["entities_page"])
    entry = vectra.run("vectra-entity-list", {
        "prioritized": "true", "entity_type": "host", "state": "active", "ordering": "-urgency_score",
        "last_detection_timestamp": "3 days", "last_modified_timestamp": "1 day", "name": "dc", "tags": "vip"})
    assert vectra.last.qs == {"type": ["host"], "is_prioritized": ["true"], "name": ["dc"], "tags": ["vip"],
                              "state": ["active"], "ordering": ["-urgency_score"],
                              "last_detection_timestamp_gte": ["2026-10-29t12:00:00z"],
                              "last_modified_timestamp_gte": ["2026-10-31t12:00:00z"], "page": ["1"], "page_size": ["50"]}
    assert [e["id"] for e in context_of(entry)[1]] == [e["id"] for e in ANSWERS["entities_page"]["results"]]


def test_entity_describe_is_the_entitys_record(vectra):
    vectra.api.get(f"{V34}/entities/100", json=ANSWERS["entity"])
    entry = vectra.run("vectra-entity-describe", {"entity_id": "100", "entity_type": "host"})
    assert vectra.last.qs == {"type": ["host"]}
    entity = context_of(entry)[1]
    assert (entity["id"], entity["name"]) == (ANSWERS["entity"]["id"], ANSWERS["entity"]["name"])
    assert entry["Contents"] == ANSWERS["entity"]


def test_an_entitys_notes_are_also_under_the_published_names(vectra):
    note = ANSWERS["note"]
    vectra.api.get(f"{V34}/entities/100", json={**ANSWERS["entity"], "notes": [note]})
    notes = context_of(vectra.run("vectra-entity-describe", {"entity_id": "100", "entity_type": "host"}))[1]["notes"]
    assert notes == [{"id": note["id"], "note": note["note"], "date_created": note["date_created"],
                      "dateCreated": note["date_created"], "created_by": note["created_by"], "createdBy": note["created_by"]}]


def test_entity_describe_of_a_missing_entity_is_a_readable_message(vectra):
    vectra.api.get(f"{V34}/entities/999", status_code=404, json={"detail": "Not found."})
    entry = vectra.run("vectra-entity-describe", {"entity_id": "999", "entity_type": "account"})
    assert entry["Type"] == NOTE_ENTRY and entry["HumanReadable"] == "No account with ID 999 was found in Vectra."


@pytest.mark.parametrize(("command", "args", "body", "shown"), [
    ("vectra-entity-external-id-update", {"external_reference_id": "CASE-7"}, {"external_reference_id": "CASE-7"},
     {"external_reference_id": "CASE-7"}),
    ("vectra-entity-unresolved-priority-reset", {}, {"unresolved_priority": "False"}, {"unresolved_priority": False}),
])
def test_entity_updates(vectra, command, args, body, shown):
    vectra.api.patch(f"{V35}/entities/101", json=ANSWERS["entity_patch"])
    entry = vectra.run(command, {"entity_id": "101", "entity_type": "Host", **args})
    assert vectra.last.json() == body and vectra.last.qs == {"type": ["host"]}
    assert context_of(entry)[1] == {"id": 101, "type": "host", **shown}


def test_entity_detections_mark_as_closed_pages_then_closes(vectra):
    first = {"count": 3, "next": f"{V35}/detections?page=2", "previous": None, "results": [{"id": 1}, {"id": 2}]}
    second = {"count": 3, "next": None, "previous": None, "results": [{"id": 3}, {"id": "not an id"}]}
    vectra.api.get(f"{V35}/detections", [{"json": first}, {"json": second}])
    vectra.api.patch(f"{V35}/detections/close", json=ANSWERS["detections_close"])
    entry = vectra.run("vectra-entity-detections-mark-asclosed", {"entity_id": "5", "entity_type": "host",
                                                                  "close_reason": "benign"})
    assert [r.qs["page"] for r in vectra.requests[:2]] == [["1"], ["2"]]
    assert vectra.requests[0].qs["state"] == ["active"] and vectra.requests[0].qs["entity_id"] == ["5"]
    assert vectra.last.json() == {"detectionIdList": [1, 2, 3], "reason": "benign"}
    assert entry["HumanReadable"] == ("Closed 3 active detection(s) of host 5 as benign: 1, 2, 3. "
                                      "Vectra: Successfully closed detections.")


def test_entity_with_no_active_detections_closes_nothing(vectra):
    vectra.api.get(f"{V35}/detections", json=ANSWERS["detections_empty"])
    entry = vectra.run("vectra-entity-detections-mark-asclosed", {"entity_id": "5", "entity_type": "host",
                                                                  "close_reason": "benign"})
    assert entry["HumanReadable"] == "Host 5 has no active detections to close." and len(vectra.requests) == 1


# --- assignments ----------------------------------------------------------------------------------------------


def test_assignment_list_filters(vectra):
    vectra.api.get(f"{V35}/assignments", json=ANSWERS["assignments_page"])
    entry = vectra.run("vectra-assignment-list", {"entity_ids": "3,4", "entity_type": "account", "resolved": "false",
                                                  "assignees": "21", "resolution": "1,2", "created_after": "1 day"})
    assert vectra.last.qs == {"accounts": ["3,4"], "resolved": ["false"], "assignees": ["21"], "resolution": ["1,2"],
                              "created_after": ["2026-10-31t12:00:00z"], "page": ["1"], "page_size": ["50"]}
    assert all(a["assignment_id"] == a["id"] for a in context_of(entry)[1])
    assert f"[account 100]({SERVER}/accounts/100?pivot={VectraRUX.USER_AGENT})" in entry["HumanReadable"]


def test_an_assignment_without_an_entity_has_an_empty_entity_cell(vectra):
    vectra.api.get(f"{V35}/assignments", json={"count": 1, "results": [{"id": 9, "assigned_to": {"username": "bob"}}]})
    assert "| 9 |  | bob |" in vectra.run("vectra-assignment-list")["HumanReadable"]


def test_assignment_add_update_resolve(vectra):
    created = ANSWERS["assignment_create"]["assignment"]
    vectra.api.post(f"{V35}/assignments", json=ANSWERS["assignment_create"], status_code=201)
    entry = vectra.run("vectra-entity-assignment-add", {"entity_id": "7", "entity_type": "host", "user_id": "21"})
    assert vectra.last.json() == {"assign_to_user_id": 21, "assign_host_id": 7}
    assert context_of(entry)[1]["assignment_id"] == created["id"]

    vectra.api.put(f"{V35}/assignments/{created['id']}", json=ANSWERS["assignment_reassign"])
    entry = vectra.run("vectra-entity-assignment-update", {"assignment_id": str(created["id"]), "user_id": "22"})
    assert vectra.last.json() == {"assign_to_user_id": 22}
    assert f"Reassigned assignment {created['id']} to user 22" in entry["HumanReadable"]

    vectra.api.put(f"{V35}/assignments/{created['id']}/resolve", json=ANSWERS["assignment_resolve"])
    entry = vectra.run("vectra-entity-assignment-resolve", {"assignment_id": str(created["id"]), "outcome_id": "1",
                                                            "note": "Known admin.", "triage_as": "Admin tooling",
                                                            "detection_ids": "11,12"})
    assert vectra.last.json() == {"outcome": 1, "note": "Known admin.", "triage_as": "Admin tooling", "detection_ids": [11, 12]}
    assert "Benign True Positive" in entry["HumanReadable"]
    vectra.run("vectra-entity-assignment-resolve", {"assignment_id": str(created["id"]), "outcome_id": "2"})
    assert vectra.last.json() == {"outcome": 2}


def test_assignment_outcome_list(vectra):
    vectra.api.get(f"{V35}/assignment_outcomes", json=ANSWERS["outcomes_page"])
    entry = vectra.run("vectra-assignment-outcome-list", {"page_size": "3"})
    assert vectra.last.qs == {"page": ["1"], "page_size": ["3"]}
    assert [o["title"] for o in context_of(entry)[1]] == ["Benign True Positive", "Malicious True Positive", "False Positive"]
    assert all(o["outcome_id"] == o["id"] for o in context_of(entry)[1])


# --- groups, users, investigations ----------------------------------------------------------------------------


def test_group_list_sends_every_filter_and_names_the_members(vectra):
    vectra.api.get(f"{V35}/groups", json=ANSWERS["groups_page"])
    entry = vectra.run("vectra-group-list", {
        "group_type": "host", "importance": "HIGH", "host_ids": "1,2", "group_name": "Exec", "account_names": "a,b",
        "domains": "x.com", "host_names": "h1", "ips": "10.0.0.1", "description": "d", "last_modified_by": "me",
        "last_modified_timestamp": "2026-10-01T00:00:00Z"})
    assert vectra.last.qs == {"type": ["host"], "importance": ["high"], "host_ids": ["1,2"], "name": ["exec"],
                              "account_names": ["a,b"], "domains": ["x.com"], "host_names": ["h1"], "ips": ["10.0.0.1"],
                              "description": ["d"], "last_modified_by": ["me"],
                              "last_modified_timestamp": ["2026-10-01t00:00:00z"], "page": ["1"], "page_size": ["50"]}
    for group in ANSWERS["groups_page"]["results"]:
        first = group["members"][0]
        assert str(first.get("name") or first.get("uid") if isinstance(first, dict) else first) in entry["HumanReadable"]
    assert [g["group_id"] for g in context_of(entry)[1]] == [g["id"] for g in ANSWERS["groups_page"]["results"]]


def test_group_assign_adds_host_ids_to_the_current_members(vectra):
    group = ANSWERS["group_host"]
    current = [m["id"] for m in group["members"]]
    vectra.api.get(f"{V35}/groups/1", json=group)
    vectra.api.patch(f"{V35}/groups/1", json=group)
    entry = vectra.run("vectra-group-assign", {"group_id": "1", "members": f"{current[0]},555"})
    assert vectra.last.json() == {"members": [*current, 555]}
    assert f"Added 555 to group 1. Already members: {current[0]}." in entry["HumanReadable"]
    assert context_of(entry)[1]["group_id"] == 1


def test_group_unassign_removes_account_uids_only(vectra):
    group = ANSWERS["group_account"]
    uids = [m["uid"] for m in group["members"]]
    vectra.api.get(f"{V35}/groups/3", json=group)
    vectra.api.patch(f"{V35}/groups/3", json=group)
    entry = vectra.run("vectra-group-unassign", {"group_id": "3", "members": uids[0]})
    assert vectra.last.json() == {"members": uids[1:]}
    assert f"Removed {uids[0]} from group 3." in entry["HumanReadable"]


def test_group_membership_that_changes_nothing_writes_nothing(vectra):
    vectra.api.get(f"{V35}/groups/5", json={"id": 5, "type": "domain", "members": ["a.com"]})
    entry = vectra.run("vectra-group-unassign", {"group_id": "5", "members": "b.com"})
    assert [r.method for r in vectra.requests] == ["GET"]
    assert "Nothing to change in group 5. Not members: b.com." in entry["HumanReadable"]


def test_host_groups_take_host_ids(vectra):
    vectra.api.get(f"{V35}/groups/1", json=ANSWERS["group_host"])
    entry = vectra.run("vectra-group-assign", {"group_id": "1", "members": "dc01"})
    assert entry["Type"] == ERROR_ENTRY
    assert "must be host IDs for the host group 1; not IDs: dc01" in entry["Contents"]
    assert [r.method for r in vectra.requests] == ["GET"]


def test_user_list_filters_by_role_email_login_and_name(vectra):
    vectra.api.get(f"{V35}/users", json=ANSWERS["users_page"])
    wanted = ANSWERS["users_page"]["results"][1]["name"]
    entry = vectra.run("vectra-user-list", {"role": "security analyst", "email": "a@corp.example", "username": wanted.upper(),
                                            "last_login_timestamp": "2026-10-01T00:00:00Z"})
    assert vectra.last.qs == {"role": ["security_analyst"], "email": ["a@corp.example"],
                              "last_login_gte": ["2026-10-01t00:00:00z"], "page": ["1"], "page_size": ["50"]}
    assert [u["name"] for u in context_of(entry)[1]] == [wanted]


def test_investigation_query_send_and_result_get(vectra):
    submitted = ANSWERS["investigation_submit"]
    request_id = submitted["request_id"]
    vectra.api.post(f"{V35}/investigations", json=submitted)
    entry = vectra.run("vectra-investigation-query-send", {"query": "SELECT 1", "version": "1.0"})
    assert vectra.last.json() == {"query": "SELECT 1", "version": "1.0"}
    assert entry["HumanReadable"] == (f"Investigation query submitted. Request ID: {request_id}. Searchable range: 30 days. "
                                      f"Get its results with: !vectra-investigation-result-get id={request_id}")
    no_rows = {**ANSWERS["investigation_completed"], "data": []}
    vectra.api.get(f"{V35}/investigations/{request_id}", [{"json": ANSWERS["investigation_running"]},
                                                          {"json": ANSWERS["investigation_completed"]}, {"json": no_rows}])
    assert "still running" in vectra.run("vectra-investigation-result-get", {"id": request_id})["HumanReadable"]
    done = vectra.run("vectra-investigation-result-get", {"id": request_id, "page": "2", "page_size": "3"})
    assert vectra.last.qs == {"page": ["2"], "page_size": ["3"]}
    assert context_of(done)[1]["meta"]["query_status"] == "completed"
    assert done["HumanReadable"].count("\n| ") == len(ANSWERS["investigation_completed"]["data"])
    assert "No rows on this page." in vectra.run("vectra-investigation-result-get", {"id": request_id})["HumanReadable"]


def test_fetch_reset_clears_the_fetch_state(vectra, integration_context):
    integration_context.update({"fetch": json.dumps({"checkpoint": 100}), "auth": json.dumps({"access_token": "kept"})})
    entry = vectra.run("vectra-fetch-reset")
    assert json.loads(integration_context["fetch"]) == {"reset": True}
    assert json.loads(integration_context["auth"]) == {"access_token": "kept"}
    assert entry["HumanReadable"].startswith("The fetch checkpoint and de-duplication state were cleared.")
    assert vectra.requests == []


# --- empty results --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("command", "args", "url", "message"), [
    ("vectra-detection-list", {}, f"{V35}/detections", "No detections were found for the given arguments."),
    ("vectra-detection-describe", {"detection_ids": "1"}, f"{V35}/detections", "No detections were found"),
    ("vectra-entity-detection-list", {"entity_id": "1", "entity_type": "host"}, f"{V35}/detections", "No detections"),
    ("vectra-entity-list", {}, f"{V34}/entities", "No entities were found"),
    ("vectra-assignment-list", {}, f"{V35}/assignments", "No assignments were found"),
    ("vectra-assignment-outcome-list", {}, f"{V35}/assignment_outcomes", "No assignment outcomes were found"),
    ("vectra-group-list", {}, f"{V35}/groups", "No groups were found"),
    ("vectra-user-list", {}, f"{V35}/users", "No users were found"),
    ("vectra-detection-note-list", {"detection_id": "1"}, f"{V35}/detections/1/notes", "No notes were found for detection 1."),
])
def test_nothing_found_is_a_readable_message(vectra, command, args, url, message):
    vectra.api.get(url, json=[] if url.endswith("notes") else EMPTY_PAGE)
    entry = vectra.run(command, args)
    assert entry["Type"] == NOTE_ENTRY and message in entry["HumanReadable"] and entry["EntryContext"] == {}


# --- validation before any request ----------------------------------------------------------------------------


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
    ("vectra-entity-assignment-resolve", {"assignment_id": "1", "outcome_id": "1", "note": "x" * 8001},
     "8001 characters long"),
    ("vectra-group-list", {"group_type": "team"}, '"group_type" must be one of: account, host, ip, domain'),
    ("vectra-group-assign", {"group_id": "1"}, 'The argument "members" is required'),
    ("vectra-user-list", {"role": "Wizard"}, '"role" must be one of: Admin, Auditor, Global Analyst, Read-Only'),
    ("vectra-investigation-query-send", {}, 'The argument "query" is required'),
    ("vectra-investigation-result-get", {}, 'The argument "id" is required'),
    ("vectra-investigation-result-get", {"id": "r", "page_size": "9999"}, '"page_size" must be a whole number from 1 to 5000'),
])
def test_invalid_arguments_are_refused_before_any_request(vectra, command, args, message):
    entry = vectra.run(command, args)
    assert entry["Type"] == ERROR_ENTRY and entry["Contents"].startswith(f"Invalid argument for {command}: ")
    assert message in entry["Contents"]
    assert vectra.api.call_count == 0  # not even a token was asked for


# --- Vectra's errors are surfaced -------------------------------------------------------------------------------

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
def test_vectras_own_error_text_is_surfaced(vectra, command):
    vectra.api.register_uri(rm.ANY, re.compile(f"{SERVER}/api/.*"), status_code=400, json={"detail": "Vectra says no: field x"})
    entry = vectra.run(command, VALID_ARGS[command])
    assert entry["Type"] == ERROR_ENTRY and "HTTP 400: Vectra says no: field x" in entry["Contents"]
    assert entry["Contents"].startswith(f"Failed to execute {command} command.")


def test_every_command_of_the_yaml_is_implemented_and_tested():
    yml = Path(VectraRUX.__file__).with_suffix(".yml").read_text()
    declared = set(re.findall(r"^  - name: (\S+)$", yml.split("\n  commands:\n", 1)[1], re.MULTILINE))
    declared -= {"get-mapping-fields", *VectraRUX.MIRRORING}  # mirroring commands, declared for debugging, tested apart
    assert declared == set(VectraRUX.COMMANDS)
    assert set(VALID_ARGS) | {"vectra-fetch-reset"} == declared


# --- the client secret ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("token_status", "api_status"), [(200, 200), (200, 400), (401, 200)],
                         ids=["success", "vectra-error", "credentials-refused"])
def test_the_client_secret_never_shows(vectra, mocker, token_status, api_status):
    """Not in the War Room entry, the error shown, nor the integration's logs, whatever the outcome."""
    logs = [mocker.patch.object(demisto, level) for level in ("debug", "info", "error")]
    vectra.api.post(f"{SERVER}/oauth2/token", status_code=token_status,
                    json=TOKEN if token_status == 200 else {"detail": "invalid_client"})
    vectra.api.get(f"{V35}/users", status_code=api_status,
                   json=ANSWERS["users_page"] if api_status == 200 else {"detail": "Vectra says no"})
    entry = vectra.run("vectra-user-list")
    assert (entry["Type"] == ERROR_ENTRY) == (token_status != 200 or api_status != 200)
    assert SECRET not in json.dumps(entry, default=str)
    assert all(SECRET not in str(call) for log in logs for call in log.call_args_list)
