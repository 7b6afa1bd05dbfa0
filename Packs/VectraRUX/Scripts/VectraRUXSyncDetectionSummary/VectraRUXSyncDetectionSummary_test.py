"""VectraRUXSyncDetectionSummary: the full detection from Vectra into the incident's Details and EDR process context
fields.

demisto.executeCommand is patched with a side effect that answers as the server does: the integration's describe
command with the detection, setIncident with a note; a failing command answers an error entry (Type 4). The tests
check the fields the script set and the entry it returned.
"""

import contextlib
import runpy

import demistomock as demisto
import pytest
import VectraRUXSyncDetectionSummary as script
from CommonServerPython import EntryType

BRAND = "VectraRUXEventsDetections"
EDR = {"query_status": "completed", "date_created": "2026-11-01T00:00:00Z", "error_message": None,
       "processes": [{"name": "cmd.exe", "pid": 4}],
       "urls": {"query_link": "https://edr.test/q", "investigate_entity_link": "https://edr.test/e"}}
DETECTION = {"id": 7, "detection_type": "Hidden HTTPS Tunnel", "state": "active", "investigation_status": "open",
             "threat": 60, "certainty": 80, "first_timestamp": "2026-10-31T10:00:00Z",
             "last_timestamp": "2026-11-01T09:00:00Z", "description": "Tunnel to a rare domain",
             "summary": {"num_events": 3, "ips": [], "dst_ports": None, "protocol": "tcp"},
             "grouped_details": [{"num_sessions": 1, "dst_ip": "203.0.113.9"}],
             "process_context_data": {"crowdstrike": EDR}}
EDR_FIELDS = ("vectraruxprocesscontextquerystatus", "vectraruxprocesscontextdatecreated", "vectraruxprocesscontextquerylink",
              "vectraruxprocesscontextinvestigateentitylink", "vectraruxprocesscontexterrormessage",
              "vectraruxprocesscontextprocesses")


class Server:
    """The describe command answers `contents`; `fail` names a command that answers an error entry."""

    def __init__(self, contents, fail: str | None = None):
        self.contents, self.fail = contents, fail

    def __call__(self, command: str, args: dict) -> list:
        if command == self.fail:
            return [{"Type": EntryType.ERROR, "ContentsFormat": "text", "Contents": f"{command} failed"}]
        if command == "vectra-detection-describe":
            return [{"Type": EntryType.NOTE, "ContentsFormat": "json", "Contents": self.contents}]
        if command == "setIncident":
            return [{"Type": EntryType.NOTE, "ContentsFormat": "text", "Contents": "done"}]
        raise AssertionError(f"unexpected command {command}")


def described(*detections: dict) -> dict:
    return {"count": len(detections), "next": None, "previous": None, "results": list(detections)}


def run(mocker, server: Server, detection_id=7, main=script.main) -> tuple[list, list]:
    """Runs the button's script; returns what it asked the server and the entries it returned."""
    execute = mocker.patch.object(demisto, "executeCommand", side_effect=server)
    mocker.patch.object(demisto, "incident", return_value={"id": "1", "CustomFields": {"vectraruxdetectionid": detection_id}})
    mocker.patch.object(demisto, "error")  # return_error logs the message; the platform's mock prints it
    results = mocker.patch.object(demisto, "results")
    with contextlib.suppress(SystemExit):  # return_error ends the script
        main()
    return [call.args for call in execute.call_args_list], [result.args[0] for result in results.call_args_list]


def error_entry(message: str) -> dict:
    return {"Type": EntryType.ERROR, "ContentsFormat": "text", "EntryContext": None,
            "Contents": f"Failed to execute VectraRUXSyncDetectionSummary. Error: {message}"}


def test_the_summary_and_the_edr_process_context_fill_the_fields(mocker):
    asked, [entry] = run(mocker, Server(described(DETECTION)))

    assert asked[0] == ("vectra-detection-describe", {"detection_ids": "7", "using-brand": BRAND})
    command, fields = asked[1]
    assert command == "setIncident"
    assert {name: fields[name] for name in EDR_FIELDS} == {
        "vectraruxprocesscontextquerystatus": "completed", "vectraruxprocesscontextdatecreated": "2026-11-01T00:00:00Z",
        "vectraruxprocesscontextquerylink": "https://edr.test/q",
        "vectraruxprocesscontextinvestigateentitylink": "https://edr.test/e",
        "vectraruxprocesscontexterrormessage": "", "vectraruxprocesscontextprocesses": [{"name": "cmd.exe", "pid": 4}]}
    details = fields["details"]
    assert "### Detection 7: Hidden HTTPS Tunnel" in details
    assert "Tunnel to a rare domain" in details and "2026-10-31T10:00:00Z" in details
    assert "### Summary" in details and "num_events" in details and "protocol" in details
    assert "ips" not in details and "dst_ports" not in details  # empty values are left out
    assert "### Grouped details" in details and "203.0.113.9" in details
    assert entry["HumanReadable"] == f"Synchronized the summary of detection 7 with its EDR process context.\n\n{details}"


def test_without_edr_process_context_the_fields_are_emptied(mocker):
    bare = {"id": 7, "detection_type": "Port Scan", "state": "inactive", "process_context_data": None}
    asked, [entry] = run(mocker, Server(described(bare)))
    fields = asked[1][1]
    assert {name: fields[name] for name in EDR_FIELDS} == {**dict.fromkeys(EDR_FIELDS, ""),
                                                            "vectraruxprocesscontextprocesses": []}
    assert "### Summary" not in fields["details"] and "### Grouped details" not in fields["details"]
    assert entry["HumanReadable"].startswith("Synchronized the summary of detection 7 (no EDR process context).")


@pytest.mark.parametrize("contents", [described(), "no such detection", [described(DETECTION), described(DETECTION)]])
def test_a_detection_vectra_does_not_describe_is_an_error_and_nothing_is_set(mocker, contents):
    asked, returned = run(mocker, Server(contents))
    assert [name for name, _ in asked] == ["vectra-detection-describe"]
    assert returned == [error_entry("Vectra has no detection 7.")]


def test_an_incident_without_detection_is_an_error(mocker):
    asked, returned = run(mocker, Server(described(DETECTION)), detection_id="")
    assert asked == []
    assert returned == [error_entry("This incident has no Vectra RUX Detection ID.")]


@pytest.mark.parametrize("failing", ["vectra-detection-describe", "setIncident"])
def test_a_failing_command_is_reported(mocker, failing):
    asked, returned = run(mocker, Server(described(DETECTION), fail=failing))
    assert asked[-1][0] == failing
    assert returned == [error_entry(f"Failed to execute {failing}. Error details:\n{failing} failed")]


def test_the_server_starting_the_script_runs_it(mocker):
    """The server runs a script's file as the module `builtins`: its entry point calls main()."""
    asked, [entry] = run(mocker, Server(described(DETECTION)),
                         main=lambda: runpy.run_path(script.__file__, run_name="builtins"))
    assert [name for name, _ in asked] == ["vectra-detection-describe", "setIncident"]
    assert entry["HumanReadable"].startswith("Synchronized the summary of detection 7")
