"""VectraRUXSyncEntityAssignment: the entity's latest Vectra assignment into the incident's Entity Assignment fields.

demisto.executeCommand is patched with a side effect that answers as the server does: the integration's assignment
list, setIncident with a note; a failing command answers an error entry (Type 4). The tests check the fields the
script set and the entry it returned.
"""

import contextlib
import json
import runpy

import demistomock as demisto
import pytest
import VectraRUXSyncEntityAssignment as script
from CommonServerPython import EntryType

BRAND = "VectraRUXEventsDetections"
OLD = {"id": 1, "date_assigned": "2026-10-01T00:00:00Z", "assigned_to": {"id": 3, "username": "old"},
       "assigned_by": {"id": 4, "username": "x"}}
NEW = {"id": 2, "date_assigned": "2026-10-05T00:00:00Z", "assigned_to": {"id": 5, "username": "jane"},
       "assigned_by": {"id": 6, "username": "bob"}, "outcome": {"id": 1, "title": "False Positive"},
       "resolved_by": {"id": 6, "username": "bob"}, "date_resolved": "2026-10-06T00:00:00Z"}
FIELDS = ("vectraruxentityassignmentid", "vectraruxentityassignmentassignedto", "vectraruxentityassignmentassignedby",
          "vectraruxentityassignmentassigneddate", "vectraruxentityassignmentoutcome", "vectraruxentityassignmentresolvedby",
          "vectraruxentityassignmentresolveddate", "vectraruxentityassignmentdetails")


class Server:
    """The assignment list answers `contents`; `fail` names a command that answers an error entry."""

    def __init__(self, contents, fail: str | None = None):
        self.contents, self.fail = contents, fail

    def __call__(self, command: str, args: dict) -> list:
        if command == self.fail:
            return [{"Type": EntryType.ERROR, "ContentsFormat": "text", "Contents": f"{command} failed"}]
        if command == "vectra-assignment-list":
            return [{"Type": EntryType.NOTE, "ContentsFormat": "json", "Contents": self.contents}]
        if command == "setIncident":
            return [{"Type": EntryType.NOTE, "ContentsFormat": "text", "Contents": "done"}]
        raise AssertionError(f"unexpected command {command}")


def listed(*assignments: dict) -> dict:
    return {"count": len(assignments), "next": None, "results": list(assignments)}


def run(mocker, server: Server, entity: dict, main=script.main) -> tuple[list, list]:
    """Runs the button's script on an incident with these entity fields; returns what it asked and returned."""
    execute = mocker.patch.object(demisto, "executeCommand", side_effect=server)
    mocker.patch.object(demisto, "incident", return_value={"id": "1", "CustomFields": entity})
    mocker.patch.object(demisto, "error")  # return_error logs the message; the platform's mock prints it
    results = mocker.patch.object(demisto, "results")
    with contextlib.suppress(SystemExit):  # return_error ends the script
        main()
    return [call.args for call in execute.call_args_list], [result.args[0] for result in results.call_args_list]


def host(entity_id=12, entity_type="host") -> dict:
    return {"vectraruxentityid": entity_id, "vectraruxentitytype": entity_type}


def error_entry(message: str) -> dict:
    return {"Type": EntryType.ERROR, "ContentsFormat": "text", "EntryContext": None,
            "Contents": f"Failed to execute VectraRUXSyncEntityAssignment. Error: {message}"}


def test_the_latest_assignment_fills_the_fields(mocker):
    asked, [entry] = run(mocker, Server(listed(OLD, NEW)), host())

    assert asked[0] == ("vectra-assignment-list", {"entity_ids": "12", "entity_type": "host", "page_size": "500",
                                                   "using-brand": BRAND})
    command, fields = asked[1]
    assert command == "setIncident"
    assert fields == {
        "vectraruxentityassignmentid": 2, "vectraruxentityassignmentassignedto": "jane",
        "vectraruxentityassignmentassignedby": "bob", "vectraruxentityassignmentassigneddate": "2026-10-05T00:00:00Z",
        "vectraruxentityassignmentoutcome": "False Positive", "vectraruxentityassignmentresolvedby": "bob",
        "vectraruxentityassignmentresolveddate": "2026-10-06T00:00:00Z",
        "vectraruxentityassignmentdetails": json.dumps(NEW, indent=2)}
    assert "### Assignment of host 12" in entry["HumanReadable"]
    assert ("|Assignment ID|Assigned To|Assigned By|Assigned Date|Outcome|Resolved By|Resolved Date|\n"
            "|---|---|---|---|---|---|---|\n"
            "| 2 | jane | bob | 2026-10-05T00:00:00Z | False Positive | bob | 2026-10-06T00:00:00Z |") in entry["HumanReadable"]


def test_an_open_assignment_leaves_the_resolution_fields_empty(mocker):
    asked, _ = run(mocker, Server(listed(OLD)), host(entity_type="account"))
    assert asked[0][1]["entity_type"] == "account"
    fields = asked[1][1]
    assert fields["vectraruxentityassignmentassignedto"] == "old"
    assert fields["vectraruxentityassignmentoutcome"] == fields["vectraruxentityassignmentresolvedby"] == ""


def test_of_two_assignments_made_at_the_same_time_the_higher_id_is_the_latest(mocker):
    twin = {**OLD, "id": 9, "assigned_to": {"username": "twin"}}
    asked, _ = run(mocker, Server(listed(twin, OLD)), host())
    assert asked[1][1]["vectraruxentityassignmentid"] == 9


@pytest.mark.parametrize("contents", [listed(), "nothing"])
def test_no_assignment_clears_the_fields(mocker, contents):
    asked, [entry] = run(mocker, Server(contents), host())
    assert asked[1] == ("setIncident", dict.fromkeys(FIELDS, ""))
    assert entry["HumanReadable"] == "The host 12 has no assignment in Vectra: the assignment fields were cleared."


@pytest.mark.parametrize("entity", [{}, host(entity_id=None), host(entity_type="group")])
def test_an_incident_without_a_vectra_entity_is_an_error(mocker, entity):
    asked, returned = run(mocker, Server(listed(NEW)), entity)
    assert asked == []
    assert returned == [error_entry("This incident has no Vectra entity (Vectra RUX Entity ID and Entity Type are empty).")]


@pytest.mark.parametrize("failing", ["vectra-assignment-list", "setIncident"])
def test_a_failing_command_is_reported(mocker, failing):
    asked, returned = run(mocker, Server(listed(NEW), fail=failing), host(entity_id=1))
    assert asked[-1][0] == failing
    assert returned == [error_entry(f"Failed to execute {failing}. Error details:\n{failing} failed")]


def test_the_server_starting_the_script_runs_it(mocker):
    """The server runs a script's file as the module `builtins`: its entry point calls main()."""
    asked, [entry] = run(mocker, Server(listed(NEW)), host(),
                         main=lambda: runpy.run_path(script.__file__, run_name="builtins"))
    assert asked[1][1]["vectraruxentityassignmentassignedto"] == "jane"
    assert "jane" in entry["HumanReadable"]
