"""VectraRUXGetIncidents: a page of open incidents of a type, with their Vectra detection IDs.

The script asks the server for `getIncidents`; demisto.executeCommand is patched to answer as the server does (a list
of entries; an error is a Type 4 entry) and the tests check the search it asked for and the entry it returned.
"""

import contextlib
import runpy

import demistomock as demisto
import pytest
import VectraRUXGetIncidents as script
from CommonServerPython import EntryType

INCIDENTS_KEY = "VectraRUXGetIncidents(val.id && val.id == obj.id)"
PAGE_KEY = "VectraRUXGetIncidentsPage(true)"
OPEN_DETECTIONS = 'type:"Vectra RUX Events Detection" -status:closed -category:job'


def incident(number: int) -> dict:
    return {"id": str(number), "name": f"incident {number}", "type": "Vectra RUX Events Detection", "status": 1,
            "CustomFields": {"vectraruxdetectionid": 1000 + number, "vectraruxentityid": 7}}


def found(incidents: list | None, total: int) -> list:
    """The server's answer to getIncidents: one entry whose Contents are {data, total}."""
    return [{"Type": EntryType.NOTE, "ContentsFormat": "json", "Contents": {"data": incidents, "total": total}}]


def run(mocker, args: dict, answer: list, main=script.main) -> tuple[list, list]:
    """Runs the script with these arguments; returns what it asked the server and the entries it returned."""
    # As the server: getIncidents answers its entries; any other command raises KeyError.
    execute = mocker.patch.object(demisto, "executeCommand", side_effect=lambda command, _: {"getIncidents": answer}[command])
    mocker.patch.object(demisto, "args", return_value=args)
    mocker.patch.object(demisto, "error")  # return_error logs the message; the platform's mock prints it
    results = mocker.patch.object(demisto, "results")
    with contextlib.suppress(SystemExit):  # return_error ends the script
        main()
    asked = [call.args for call in execute.call_args_list]
    returned = [result.args[0] for result in results.call_args_list]
    return asked, returned


def test_a_page_of_open_incidents_with_their_detection_ids(mocker):
    asked, returned = run(mocker, {"page": "1", "page_size": "2"}, found([incident(3), incident(4)], total=5))

    assert asked == [("getIncidents", {"query": OPEN_DETECTIONS, "page": 1, "size": 2})]
    [entry] = returned
    assert entry["EntryContext"][INCIDENTS_KEY] == [
        {"id": "3", "name": "incident 3", "CustomFields": {"vectraruxdetectionid": 1003}},
        {"id": "4", "name": "incident 4", "CustomFields": {"vectraruxdetectionid": 1004}},
    ]
    assert entry["EntryContext"][PAGE_KEY] == {"page": 1, "has_more": True}  # 4 of 5 seen
    assert "Open Vectra RUX Events Detection incidents, page 1 (2 of 5)" in entry["HumanReadable"]
    assert "| 4 | incident 4 | 1004 |" in entry["HumanReadable"]


def test_the_last_page_says_there_is_no_more(mocker):
    _, [entry] = run(mocker, {"page": "2", "page_size": "2"}, found([incident(5)], total=5))
    assert entry["EntryContext"][PAGE_KEY] == {"page": 2, "has_more": False}


def test_defaults_search_the_first_page_of_a_hundred_and_an_empty_answer_is_no_incident(mocker):
    asked, [entry] = run(mocker, {}, found(None, total=0))
    assert asked == [("getIncidents", {"query": OPEN_DETECTIONS, "page": 0, "size": 100})]
    assert entry["EntryContext"] == {INCIDENTS_KEY: [], PAGE_KEY: {"page": 0, "has_more": False}}


def test_another_incident_type_and_an_incident_without_detection_id(mocker):
    bare = {"id": "9", "name": "manual"}  # no CustomFields at all
    asked, [entry] = run(mocker, {"incident_type": "Vectra RUX Entity"}, found([bare], total=1))
    assert asked[0][1]["query"] == 'type:"Vectra RUX Entity" -status:closed -category:job'
    assert entry["EntryContext"][INCIDENTS_KEY] == [{"id": "9", "name": "manual", "CustomFields": {"vectraruxdetectionid": None}}]


@pytest.mark.parametrize(("args", "message"), [
    ({"page_size": "0"}, 'The argument "page_size" must be a whole number from 1 to 1000; got "0".'),
    ({"page_size": "1001"}, 'The argument "page_size" must be a whole number from 1 to 1000; got "1001".'),
    ({"page": "-1"}, 'The argument "page" must be a whole number from 0 to 1000000; got "-1".'),
    ({"page": "first"}, 'The argument "page" must be a whole number from 0 to 1000000; got "first".'),
])
def test_an_invalid_page_is_an_error_and_nothing_is_searched(mocker, args, message):
    asked, returned = run(mocker, args, found([], total=0))
    assert asked == []
    assert returned == [{"Type": EntryType.ERROR, "ContentsFormat": "text", "EntryContext": None,
                         "Contents": f"Failed to execute VectraRUXGetIncidents. Error: {message}"}]


def test_a_search_error_of_the_server_is_reported(mocker):
    _, [entry] = run(mocker, {}, [{"Type": EntryType.ERROR, "ContentsFormat": "text", "Contents": "search is down"}])
    assert entry["Type"] == EntryType.ERROR
    assert entry["Contents"] == ("Failed to execute VectraRUXGetIncidents. Error: Failed to execute getIncidents. "
                                 "Error details:\nsearch is down")


def test_the_server_starting_the_script_runs_it(mocker):
    """The server runs a script's file as the module `builtins`: its entry point calls main()."""
    asked, [entry] = run(mocker, {}, found([incident(1)], total=1),
                         main=lambda: runpy.run_path(script.__file__, run_name="builtins"))
    assert asked == [("getIncidents", {"query": OPEN_DETECTIONS, "page": 0, "size": 100})]
    assert entry["EntryContext"][PAGE_KEY] == {"page": 0, "has_more": False}
