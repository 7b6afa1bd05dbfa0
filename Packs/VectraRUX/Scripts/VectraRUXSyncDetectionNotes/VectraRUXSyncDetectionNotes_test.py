"""VectraRUXSyncDetectionNotes: the detection's Vectra notes that the incident does not have yet, into the War Room.

demisto.executeCommand is patched with a side effect that answers as the server does: the integration's note list,
the War Room's entries (getEntries), setIncident; a failing command answers an error entry (Type 4). The tests check
the notes returned as War Room entries, the note cache written with setIncident and the summary.
"""

import contextlib
import json
import runpy

import demistomock as demisto
import pytest
import VectraRUXSyncDetectionNotes as script
from CommonServerPython import EntryType

BRAND = "VectraRUXEventsDetections"
N1 = {"id": 1, "note": "from MDR", "created_by": "mdr", "date_created": "2026-11-01T10:00:00Z", "date_modified": None}
N2 = {"id": 2, "note": "second", "created_by": "mdr", "date_created": "2026-11-01T11:00:00Z", "date_modified": None}
N3 = {"id": 3, "note": "third", "created_by": "mdr", "date_created": "2026-11-01T11:30:00Z", "date_modified": None}
ECHO = {"id": 4, "note": "[Mirrored From XSOAR] XSOAR Incident ID: 9\nNote: hi", "created_by": "api",
        "date_created": "2026-11-01T12:00:00Z"}


def version(note: dict) -> str:
    """How the note cache names a delivered version of a note: its ID and when it was last written."""
    return f"{note['id']}@{note.get('date_modified') or note['date_created']}"


def war_room_text(note: dict) -> str:
    """The War Room entry of a note, as incoming mirroring and this script write it."""
    author = note.get("modified_by") or note.get("created_by")
    edited = " (edited)" if note.get("date_modified") else ""
    return (f"[Mirrored From Vectra]{edited}\nNote: {note['note']}\nAdded By: {author}\n"
            f"Added At: {note.get('date_modified') or note['date_created']}")


class Server:
    """`notes` is what the integration lists (the command's Contents); `war_room` the texts of the incident's entries."""

    def __init__(self, notes, war_room=(), fail: str | None = None, war_room_errors=()):
        self.notes, self.war_room, self.fail, self.war_room_errors = notes, war_room, fail, war_room_errors

    def __call__(self, command: str, args: dict) -> list:
        if command == self.fail:
            return [{"Type": EntryType.ERROR, "ContentsFormat": "text", "Contents": f"{command} failed"}]
        if command == "vectra-detection-note-list":
            return [{"Type": EntryType.NOTE, "ContentsFormat": "json", "Contents": self.notes}]
        if command == "getEntries":
            return [{"Type": EntryType.ERROR, "ContentsFormat": "text", "Contents": text} for text in self.war_room_errors] + [
                {"Type": EntryType.NOTE, "ContentsFormat": "text", "Contents": text} for text in self.war_room] + [
                {"Type": EntryType.NOTE, "ContentsFormat": "json", "Contents": {"not": "text"}}]
        if command == "setIncident":
            return [{"Type": EntryType.NOTE, "ContentsFormat": "text", "Contents": "done"}]
        raise AssertionError(f"unexpected command {command}")


def run(mocker, server: Server, cache=None, detection_id=7, main=script.main) -> tuple[list, list]:
    """Runs the button's script on incident 9; returns what it asked the server and every entry it returned."""
    execute = mocker.patch.object(demisto, "executeCommand", side_effect=server)
    mocker.patch.object(demisto, "incident", return_value={
        "id": "9", "CustomFields": {"vectraruxdetectionid": detection_id, "vectraruxdetectionnotes": cache}})
    mocker.patch.object(demisto, "error")  # return_error logs the message; the platform's mock prints it
    results = mocker.patch.object(demisto, "results")
    with contextlib.suppress(SystemExit):  # return_error ends the script
        main()
    returned = []
    for result in results.call_args_list:
        returned += result.args[0] if isinstance(result.args[0], list) else [result.args[0]]
    return [call.args for call in execute.call_args_list], returned


def notes_of(returned: list) -> list[str]:
    return [entry["Contents"] for entry in returned if entry.get("Note")]


def summary_of(returned: list) -> str:
    [summary] = [entry["HumanReadable"] for entry in returned if entry.get("HumanReadable")]
    return summary


def written_cache(asked: list) -> list[str]:
    [fields] = [args for name, args in asked if name == "setIncident"]
    return json.loads(fields["vectraruxdetectionnotes"])


def test_only_unseen_notes_reach_the_war_room_and_the_cache_grows(mocker):
    server = Server([N1, N2, N3, ECHO], war_room=[war_room_text(N3)])  # N3 came by incoming mirroring
    asked, returned = run(mocker, server, cache=json.dumps([version(N1)]))  # N1 was delivered before

    assert asked[0] == ("vectra-detection-note-list", {"detection_id": "7", "using-brand": BRAND})
    assert ("getEntries", {"id": "9"}) in asked
    assert notes_of(returned) == [war_room_text(N2)]  # the XSOAR echo never comes back
    [entry] = [entry for entry in returned if entry.get("Note")]
    assert entry["Type"] == EntryType.NOTE and entry["ContentsFormat"] == "text"
    assert written_cache(asked) == sorted(version(n) for n in (N1, N2, N3))
    assert summary_of(returned) == "Added 1 new note(s) of detection 7 to the War Room."


def test_notes_listed_under_results_are_read_too(mocker):
    asked, returned = run(mocker, Server({"count": 2, "next": None, "results": [N1, "not a note"]}))
    assert notes_of(returned) == [war_room_text(N1)]
    assert written_cache(asked) == [version(N1)]


def test_nothing_new_still_records_the_cache_and_says_so(mocker):
    asked, returned = run(mocker, Server([ECHO, N1]), cache=json.dumps([version(N1)]))
    assert notes_of(returned) == []
    assert written_cache(asked) == [version(N1)]
    assert summary_of(returned) == "Detection 7 has no notes that this incident does not already have."


def test_an_edited_note_comes_again(mocker):
    edited = {**N1, "note": "from MDR, edited", "modified_by": "analyst", "date_modified": "2026-11-01T12:00:00Z"}
    asked, returned = run(mocker, Server([edited]), cache=json.dumps([version(N1)]))
    assert notes_of(returned) == ["[Mirrored From Vectra] (edited)\nNote: from MDR, edited\nAdded By: analyst\n"
                                  "Added At: 2026-11-01T12:00:00Z"]
    assert written_cache(asked) == sorted([version(N1), version(edited)])


def test_a_note_without_author_or_date_is_delivered_once(mocker):
    bare = {"id": 5, "note": "terse"}
    asked, returned = run(mocker, Server([bare]))
    assert notes_of(returned) == ["[Mirrored From Vectra]\nNote: terse\nAdded By: unknown\nAdded At: "]
    assert written_cache(asked) == ["5@"]


@pytest.mark.parametrize("cache", ["{not json", json.dumps({"1@x": True}), ""])
def test_an_unreadable_note_cache_is_started_afresh(mocker, cache):
    asked, returned = run(mocker, Server([N1]), cache=cache)
    assert notes_of(returned) == [war_room_text(N1)]
    assert written_cache(asked) == [version(N1)]


def test_an_incident_without_detection_is_an_error(mocker):
    asked, returned = run(mocker, Server([N1]), detection_id=None)
    assert asked == []
    assert returned == [{"Type": EntryType.ERROR, "ContentsFormat": "text", "EntryContext": None,
                         "Contents": "Failed to execute VectraRUXSyncDetectionNotes. Error: This incident has no Vectra "
                                     "RUX Detection ID."}]


@pytest.mark.parametrize("failing", ["vectra-detection-note-list", "setIncident"])
def test_a_failing_command_is_reported_and_no_note_is_returned(mocker, failing):
    asked, returned = run(mocker, Server([N1], fail=failing))
    assert asked[-1][0] == failing
    assert returned == [{"Type": EntryType.ERROR, "ContentsFormat": "text", "EntryContext": None,
                         "Contents": f"Failed to execute VectraRUXSyncDetectionNotes. Error: Failed to execute {failing}. "
                                     f"Error details:\n{failing} failed"}]


def test_an_earlier_failure_in_the_war_room_does_not_stop_the_next_sync(mocker):
    """A run that failed (Vectra down) left its error entry in the War Room; getEntries answers it with the rest of the
    War Room, and the next run syncs as usual (found by the soak: the button failed for good after one failure)."""
    earlier = "Failed to execute VectraRUXSyncDetectionNotes. Error: ... HTTP 503"
    _, returned = run(mocker, Server([N1, N3], war_room=[war_room_text(N3)], war_room_errors=[earlier]))
    assert notes_of(returned) == [war_room_text(N1)]
    _, returned = run(mocker, Server([N1], war_room_errors=[earlier]))  # nothing else in the War Room yet
    assert notes_of(returned) == [war_room_text(N1)]


def test_the_server_starting_the_script_runs_it(mocker):
    """The server runs a script's file as the module `builtins`: its entry point calls main()."""
    _, returned = run(mocker, Server([N2]), main=lambda: runpy.run_path(script.__file__, run_name="builtins"))
    assert notes_of(returned) == [war_room_text(N2)]
