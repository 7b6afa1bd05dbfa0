"""VectraRUXLinkIncidents: links the current incident to the other open incidents that share a field value.

demisto.executeCommand is patched with a side effect that answers as the server does: `getIncidents` with pages of
incidents, `linkIncidents` with a note, a failing command with an error entry (Type 4). The tests check the search
and the link the script asked for, and the entry it returned.
"""

import contextlib
import runpy

import demistomock as demisto
import pytest
import VectraRUXLinkIncidents as script
from CommonServerPython import EntryType

ARGS = {"field": "vectraruxentityid", "value": "12", "also_field": "vectraruxentitytype", "also_value": "host",
        "exclude_detection_id": "1001", "label": "host"}
CURRENT = {"id": "5", "name": "this one", "CustomFields": {"vectraruxdetectionid": 1001}}


def incident(incident_id: str, detection_id: int | None = None) -> dict:
    return {"id": incident_id, "name": f"incident {incident_id}", "CustomFields": {"vectraruxdetectionid": detection_id}}


class Server:
    """getIncidents answers `pages[page]`; `fail` names a command that answers an error entry."""

    def __init__(self, pages: list[list[dict]], fail: str | None = None):
        self.pages, self.fail = pages, fail

    def __call__(self, command: str, args: dict) -> list:
        if command == self.fail:
            return [{"Type": EntryType.ERROR, "ContentsFormat": "text", "Contents": f"{command} broke"}]
        if command == "getIncidents":
            page = self.pages[args["page"]] if args["page"] < len(self.pages) else []
            return [{"Type": EntryType.NOTE, "ContentsFormat": "json", "Contents": {"data": page, "total": len(page)}}]
        if command == "linkIncidents":
            return [{"Type": EntryType.NOTE, "ContentsFormat": "text", "Contents": "done"}]
        raise AssertionError(f"unexpected command {command}")


@pytest.fixture
def platform(mocker):
    """The run's inputs and outputs: demisto.incident is the current incident; results and errors are caught."""
    mocker.patch.object(demisto, "incident", return_value=CURRENT)
    mocker.patch.object(demisto, "error")  # return_error logs the message; the platform's mock prints it
    return mocker.patch.object(demisto, "results")


def run(mocker, server: Server, args: dict, main=script.main) -> tuple[list, list]:
    """Runs the script with these arguments; returns what it asked the server and the entries it returned."""
    execute = mocker.patch.object(demisto, "executeCommand", side_effect=server)
    mocker.patch.object(demisto, "args", return_value=args)
    with contextlib.suppress(SystemExit):  # return_error ends the script
        main()
    return [call.args for call in execute.call_args_list], [result.args[0] for result in demisto.results.call_args_list]


def test_links_the_other_open_incidents_that_share_the_value(mocker, platform):
    asked, [entry] = run(mocker, Server([[CURRENT, incident("6", 1002), incident("7")]]), ARGS)

    assert asked[0] == ("getIncidents", {
        "query": 'type:"Vectra RUX Events Detection" -status:closed -category:job vectraruxentityid:"12" '
                 'vectraruxentitytype:"host" -vectraruxdetectionid:"1001"', "page": 0, "size": 500})
    assert asked[-1] == ("linkIncidents", {"incidentId": "5", "linkedIncidentIDs": "6,7"})  # never itself
    assert "Linked 2 incident(s) with host 12" in entry["HumanReadable"]
    assert "| 6 | incident 6 | 1002 |" in entry["HumanReadable"]


def test_pages_through_many_matches(mocker, platform):
    mocker.patch.object(script, "PAGE_SIZE", 2)
    asked, _ = run(mocker, Server([[incident("2"), incident("3")], [incident("4")]]), ARGS)
    assert [args["page"] for name, args in asked if name == "getIncidents"] == [0, 1]  # a short page is the last
    assert asked[-1] == ("linkIncidents", {"incidentId": "5", "linkedIncidentIDs": "2,3,4"})


def test_a_full_last_page_asks_for_one_more(mocker, platform):
    mocker.patch.object(script, "PAGE_SIZE", 2)
    asked, _ = run(mocker, Server([[incident("2"), incident("3")]]), ARGS)
    assert [args["page"] for name, args in asked if name == "getIncidents"] == [0, 1]
    assert asked[-1][1]["linkedIncidentIDs"] == "2,3"


def test_another_type_quoted_values_and_no_optional_filters(mocker, platform):
    args = {"field": "vectraruxexternalreferenceid", "value": 'INC "7"', "incident_type": "Vectra RUX Entity"}
    asked, [entry] = run(mocker, Server([[incident("8")]]), args)
    assert asked[0][1]["query"] == ('type:"Vectra RUX Entity" -status:closed -category:job '
                                    'vectraruxexternalreferenceid:"INC \\"7\\""')
    assert 'with vectraruxexternalreferenceid INC "7"' in entry["HumanReadable"]  # no label: the field's name


def test_nothing_to_link_when_only_this_incident_matches(mocker, platform):
    asked, [entry] = run(mocker, Server([[CURRENT]]), ARGS)
    assert [name for name, _ in asked] == ["getIncidents"]
    assert entry["HumanReadable"] == "No other open incident has host 12."


def test_an_incident_without_the_value_searches_nothing(mocker, platform):
    asked, [entry] = run(mocker, Server([]), {**ARGS, "value": ""})
    assert asked == []
    assert entry["HumanReadable"] == "This incident has no host value to link incidents by."


@pytest.mark.parametrize("failing", ["getIncidents", "linkIncidents"])
def test_errors_of_the_server_are_reported(mocker, platform, failing):
    asked, returned = run(mocker, Server([[incident("2")]], fail=failing), ARGS)
    assert asked[-1][0] == failing
    assert returned == [{"Type": EntryType.ERROR, "ContentsFormat": "text", "EntryContext": None,
                         "Contents": f"Failed to execute VectraRUXLinkIncidents. Error: Failed to execute {failing}. "
                                     f"Error details:\n{failing} broke"}]


def test_the_server_starting_the_script_runs_it(mocker, platform):
    """The server runs a script's file as the module `builtins`: its entry point calls main()."""
    asked, [entry] = run(mocker, Server([[incident("2")]]), ARGS,
                         main=lambda: runpy.run_path(script.__file__, run_name="builtins"))
    assert asked[-1] == ("linkIncidents", {"incidentId": "5", "linkedIncidentIDs": "2"})
    assert "Linked 1 incident(s)" in entry["HumanReadable"]
