import json

import VectraRUXSyncDetectionNotes as script

N1 = {"id": 1, "note": "from MDR", "created_by": "mdr", "date_created": "2026-11-01T10:00:00Z", "date_modified": None}
N2 = {"id": 2, "note": "second", "created_by": "mdr", "date_created": "2026-11-01T11:00:00Z", "date_modified": None}
N3 = {"id": 3, "note": "third", "created_by": "mdr", "date_created": "2026-11-01T11:30:00Z", "date_modified": None}
ECHO = {"id": 4, "note": "[Mirrored From XSOAR] XSOAR Incident ID: 1\nNote: hi", "date_created": "2026-11-01T12:00:00Z"}


def run(invocation, notes, cache=None, war_room=()):
    calls = []
    invocation.incident = {"id": "9", "CustomFields": {"vectraruxdetectionid": 7, "vectraruxdetectionnotes": cache}}

    def execute(command, args):
        calls.append((command, args))
        if command == "vectra-detection-note-list":
            return [{"Type": 1, "Contents": notes}]
        if command == "getEntries":
            return [{"Type": 1, "Contents": text} for text in war_room]
        return [{"Type": 1, "Contents": "done"}]

    invocation.execute_command = execute
    return script.sync(), calls


def test_only_unseen_notes_reach_the_war_room_and_the_cache_grows(invocation):
    cached = json.dumps([script.note_version(N1)])
    mirrored_already = script.note_text(N3)  # delivered by incoming mirroring
    entries, calls = run(invocation, [N1, N2, N3, ECHO], cache=cached, war_room=[mirrored_already])
    assert [entry["Contents"] for entry in entries[:-1]] == [script.note_text(N2)]
    assert entries[0]["Note"] is True and entries[-1].readable_output.startswith("Added 1 new note(s)")
    assert calls[0][1]["using-brand"] == "VectraRUXEventsDetections"
    cache = json.loads(calls[-1][1]["vectraruxdetectionnotes"])
    assert cache == sorted(script.note_version(n) for n in (N1, N2, N3))


def test_nothing_new(invocation):
    entries, _ = run(invocation, [ECHO])
    assert len(entries) == 1 and "has no notes that this incident does not already have" in entries[0].readable_output


def test_an_edited_note_comes_again(invocation):
    edited = {**N1, "note": "from MDR, edited", "date_modified": "2026-11-01T12:00:00Z"}
    entries, _ = run(invocation, [edited], cache=json.dumps([script.note_version(N1)]))
    assert entries[0]["Contents"].startswith("[Mirrored From Vectra] (edited)\nNote: from MDR, edited")
