"""VectraRUXExpireInactiveDetections: the open incidents' detections that went inactive are set to expired in Vectra.

demisto.executeCommand is patched with a side effect that answers each command as the server does: the
VectraRUXGetIncidents script with its context entries page by page, the integration's describe command with the
detections, the status update with a note. The tests check what the script asked the server to do and what it returned.
"""

import contextlib
import runpy

import demistomock as demisto
import pytest
import VectraRUXExpireInactiveDetections as script
from CommonServerPython import EntryType

BRAND = "VectraRUXEventsDetections"


def detection(detection_id: int, state: str, status: str = "open") -> dict:
    return {"id": detection_id, "state": state, "investigation_status": status, "detection_type": "Port Scan"}


def note(contents, context: dict | None = None) -> list:
    return [{"Type": EntryType.NOTE, "ContentsFormat": "json", "Contents": contents, "EntryContext": context}]


class Server:
    """Answers executeCommand per command, as the server would.

    `pages` are the detection IDs of the open incidents, page by page (an ID may be None or text for incidents without
    a usable one); `detections` are what Vectra describes; `fail` names a command that answers an error entry;
    `describe_answer`, when set, is the describe command's answer whatever it is asked.
    """

    def __init__(self, pages: list[list], detections: list[dict], fail: str | None = None):
        self.pages, self.detections, self.fail = pages, {d["id"]: d for d in detections}, fail
        self.describe_answer: list | None = None

    def __call__(self, command: str, args: dict) -> list:
        if command == self.fail:
            return [{"Type": EntryType.ERROR, "ContentsFormat": "text", "Contents": f"{command} failed"}]
        if command == "VectraRUXGetIncidents":
            page = int(args["page"])
            incidents = [{"id": f"{page}-{n}", "name": "i", "CustomFields": {"vectraruxdetectionid": detection_id}}
                         for n, detection_id in enumerate(self.pages[page])]
            return note(incidents, {"VectraRUXGetIncidents(val.id && val.id == obj.id)": incidents,
                                    "VectraRUXGetIncidentsPage(true)": {"page": page, "has_more": page + 1 < len(self.pages)}})
        if command == "vectra-detection-describe":
            if self.describe_answer is not None:
                return self.describe_answer
            ids = [int(i) for i in args["detection_ids"].split(",")]
            return note({"count": len(ids), "results": [self.detections[i] for i in ids if i in self.detections]})
        if command == "vectra-detection-investigation-status-update":
            return note(f"Updated the investigation status of detection(s) {args['detection_ids']}.")
        raise AssertionError(f"unexpected command {command}")


def run(mocker, server, args: dict | None = None, main=script.main) -> tuple[list, list]:
    """Runs the script; returns the commands it asked the server for and the entries it returned."""
    execute = mocker.patch.object(demisto, "executeCommand", side_effect=server)
    mocker.patch.object(demisto, "args", return_value=args or {})
    mocker.patch.object(demisto, "error")  # return_error logs the message; the platform's mock prints it
    results = mocker.patch.object(demisto, "results")
    with contextlib.suppress(SystemExit):  # return_error ends the script
        main()
    return [call.args for call in execute.call_args_list], [result.args[0] for result in results.call_args_list]


def asked_for(calls: list, command: str) -> list[dict]:
    return [args for name, args in calls if name == command]


def test_inactive_detections_of_open_incidents_are_expired(mocker):
    mocker.patch.object(script, "DESCRIBE_BATCH", 2)  # describes in batches: two of two here
    server = Server(pages=[[1, 2], [3, 4]], detections=[detection(1, "inactive"), detection(2, "active"),
                                                        detection(3, "inactive", "expired"), detection(4, "inactive")])
    calls, [entry] = run(mocker, server, {"page_size": "2"})

    assert asked_for(calls, "VectraRUXGetIncidents") == [
        {"incident_type": "Vectra RUX Events Detection", "page": 0, "page_size": "2"},
        {"incident_type": "Vectra RUX Events Detection", "page": 1, "page_size": "2"}]
    assert asked_for(calls, "vectra-detection-describe") == [
        {"detection_ids": "1,2", "page_size": "2", "using-brand": BRAND},
        {"detection_ids": "3,4", "page_size": "2", "using-brand": BRAND}]
    assert calls[-1] == ("vectra-detection-investigation-status-update",
                         {"detection_ids": "1,4", "investigation_status": "expired", "using-brand": BRAND})
    assert entry["EntryContext"] == {"VectraRUXExpireInactiveDetections": {"incidents_checked": 4,
                                                                          "expired_detection_ids": [1, 4]}}
    assert entry["HumanReadable"] == ("Checked 4 open incident(s) of type Vectra RUX Events Detection: 2 inactive "
                                      "detection(s) set to expired: 1, 4.")


def test_nothing_inactive_changes_nothing(mocker):
    calls, [entry] = run(mocker, Server(pages=[[1]], detections=[detection(1, "active")]))
    assert [name for name, _ in calls] == ["VectraRUXGetIncidents", "vectra-detection-describe"]
    assert asked_for(calls, "VectraRUXGetIncidents") == [
        {"incident_type": "Vectra RUX Events Detection", "page": 0, "page_size": "100"}]
    assert entry["EntryContext"]["VectraRUXExpireInactiveDetections"] == {"incidents_checked": 1, "expired_detection_ids": []}
    assert entry["HumanReadable"].endswith("0 inactive detection(s) set to expired.")


def test_incidents_without_a_detection_id_are_counted_and_a_shared_detection_is_described_once(mocker):
    server = Server(pages=[[5, None, "not a number", 5]], detections=[detection(5, "inactive")])
    calls, [entry] = run(mocker, server, {"incident_type": "Vectra Custom"})
    assert asked_for(calls, "VectraRUXGetIncidents")[0]["incident_type"] == "Vectra Custom"
    assert asked_for(calls, "vectra-detection-describe") == [{"detection_ids": "5", "page_size": "1", "using-brand": BRAND}]
    assert entry["EntryContext"]["VectraRUXExpireInactiveDetections"] == {"incidents_checked": 4, "expired_detection_ids": [5]}


def test_no_open_incident_asks_vectra_nothing(mocker):
    calls, [entry] = run(mocker, Server(pages=[[]], detections=[]))
    assert [name for name, _ in calls] == ["VectraRUXGetIncidents"]
    assert entry["HumanReadable"].startswith("Checked 0 open incident(s)")


def test_an_answer_without_detections_expires_nothing(mocker):
    """Several entries (or text) instead of one describe result: nothing is read as a detection."""
    server = Server(pages=[[1]], detections=[detection(1, "inactive")])
    server.describe_answer = note("x") + note("y")
    calls, [entry] = run(mocker, server)
    assert "vectra-detection-investigation-status-update" not in [name for name, _ in calls]
    assert entry["EntryContext"]["VectraRUXExpireInactiveDetections"]["expired_detection_ids"] == []


@pytest.mark.parametrize("failing", ["VectraRUXGetIncidents", "vectra-detection-describe",
                                     "vectra-detection-investigation-status-update"])
def test_a_failing_command_is_reported_as_an_error(mocker, failing):
    server = Server(pages=[[1]], detections=[detection(1, "inactive")], fail=failing)
    calls, returned = run(mocker, server)
    assert calls[-1][0] == failing  # nothing is asked after the failure
    assert returned == [{"Type": EntryType.ERROR, "ContentsFormat": "text", "EntryContext": None,
                         "Contents": f"Failed to execute VectraRUXExpireInactiveDetections. Error: Failed to execute "
                                     f"{failing}. Error details:\n{failing} failed"}]


def test_the_server_starting_the_script_runs_it(mocker):
    """The server runs a script's file as the module `builtins`: its entry point calls main()."""
    calls, [entry] = run(mocker, Server(pages=[[1]], detections=[detection(1, "inactive")]),
                         main=lambda: runpy.run_path(script.__file__, run_name="builtins"))
    assert calls[-1][0] == "vectra-detection-investigation-status-update"
    assert entry["EntryContext"]["VectraRUXExpireInactiveDetections"]["expired_detection_ids"] == [1]
