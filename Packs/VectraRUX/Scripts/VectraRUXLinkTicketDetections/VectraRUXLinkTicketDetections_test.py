"""VectraRUXLinkTicketDetections: the layout button that links the incident to the other open incidents with the
same External Reference ID.

It runs the VectraRUXLinkIncidents script through the server and returns that script's entries as they are;
demisto.executeCommand is patched to answer as the server does (entries; an error is a Type 4 entry).
"""

import contextlib
import runpy

import demistomock as demisto
import VectraRUXLinkTicketDetections as script
from CommonServerPython import EntryType

LINKED = [{"Type": EntryType.NOTE, "ContentsFormat": "markdown", "Contents": None,
           "HumanReadable": "### Linked 2 incident(s) with External Reference ID INC-7"}]


def run(mocker, answer: list, args: dict, main=script.main) -> tuple[list, list]:
    """Runs the button's script; returns what it asked the server and the entries it returned."""
    # As the server: VectraRUXLinkIncidents answers its entries; any other command raises KeyError.
    execute = mocker.patch.object(demisto, "executeCommand",
                                  side_effect=lambda command, _: {"VectraRUXLinkIncidents": answer}[command])
    mocker.patch.object(demisto, "args", return_value=args)
    mocker.patch.object(demisto, "error")  # return_error logs the message; the platform's mock prints it
    results = mocker.patch.object(demisto, "results")
    with contextlib.suppress(SystemExit):  # return_error ends the script
        main()
    return [call.args for call in execute.call_args_list], [result.args[0] for result in results.call_args_list]


def test_links_by_external_reference_id_and_returns_the_linking_scripts_entries(mocker):
    asked, returned = run(mocker, LINKED, {"incident_external_reference_id": "INC-7", "incident_detection_id": "1001"})
    assert asked == [("VectraRUXLinkIncidents", {"field": "vectraruxexternalreferenceid", "value": "INC-7",
                                                 "label": "External Reference ID", "exclude_detection_id": "1001"})]
    assert returned == [LINKED]


def test_without_arguments_the_linking_script_is_asked_with_no_value(mocker):
    """The linking script itself answers that there is nothing to link by."""
    asked, _ = run(mocker, LINKED, {})
    assert asked[0][1]["value"] is None and asked[0][1]["exclude_detection_id"] is None


def test_an_error_of_the_linking_script_is_reported_as_is(mocker):
    error = [{"Type": EntryType.ERROR, "ContentsFormat": "text", "Contents": "boom"}]
    _, returned = run(mocker, error, {"incident_external_reference_id": "INC-7"})
    assert returned == [{"Type": EntryType.ERROR, "ContentsFormat": "text", "EntryContext": None,
                         "Contents": "Failed to execute VectraRUXLinkIncidents. Error details:\nboom"}]


def test_the_server_starting_the_script_runs_it(mocker):
    """The server runs a script's file as the module `builtins`: its entry point calls main()."""
    asked, returned = run(mocker, LINKED, {"incident_external_reference_id": "INC-7"},
                          main=lambda: runpy.run_path(script.__file__, run_name="builtins"))
    assert asked[0][0] == "VectraRUXLinkIncidents" and returned == [LINKED]
