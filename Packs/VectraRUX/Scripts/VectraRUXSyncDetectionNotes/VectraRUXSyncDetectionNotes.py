"""Incident layout button: the detection's Vectra notes that this incident does not have yet, into the War Room.

The note cache (the Vectra RUX Detection Notes field) remembers which note versions were delivered; notes already in
the War Room through incoming mirroring are recognised too, and notes mirrored from XSOAR are never brought back."""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

BRAND = "VectraRUXEventsDetections"
FROM_XSOAR = "[Mirrored From XSOAR]"
FROM_VECTRA = "[Mirrored From Vectra]"
CACHE_FIELD = "vectraruxdetectionnotes"


def note_version(note: dict) -> str:
    return f"{note.get('id')}@{note.get('date_modified') or note.get('date_created') or ''}"


def note_text(note: dict) -> str:
    edited = " (edited)" if note.get("date_modified") else ""
    author = note.get("modified_by") or note.get("created_by") or "unknown"
    when = note.get("date_modified") or note.get("date_created") or ""
    return f"{FROM_VECTRA}{edited}\nNote: {note.get('note', '')}\nAdded By: {author}\nAdded At: {when}"


def vectra_notes(detection_id: str) -> list[dict]:
    contents = execute_command("vectra-detection-note-list", {"detection_id": detection_id, "using-brand": BRAND})
    notes = contents.get("results") if isinstance(contents, dict) else contents
    return [note for note in notes or [] if isinstance(note, dict)]


def war_room_texts(incident_id: str) -> set[str]:
    """The texts of the incident's War Room entries. Its error entries (an earlier run of this button that failed while
    Vectra was down, say) are the War Room's history, not a failure of the read: getEntries answers them like any
    other entry, so they are read, not raised (raising made the button fail for good after one failure)."""
    answer = demisto.executeCommand("getEntries", {"id": incident_id})
    entries = answer if isinstance(answer, list) else []
    return {entry["Contents"] for entry in entries if isinstance(entry, dict) and isinstance(entry.get("Contents"), str)}


def read_cache(value: Any) -> list[str]:
    try:
        cached = json.loads(value) if isinstance(value, str) and value else []
    except ValueError:
        cached = []
    return [str(item) for item in cached] if isinstance(cached, list) else []


def sync() -> list:
    incident = demisto.incident()
    fields = incident.get("CustomFields") or {}
    detection_id = fields.get("vectraruxdetectionid")
    if not detection_id:
        raise DemistoException("This incident has no Vectra RUX Detection ID.")
    notes = [n for n in vectra_notes(str(detection_id)) if not str(n.get("note", "")).lstrip().startswith(FROM_XSOAR)]
    cache = read_cache(fields.get(CACHE_FIELD))
    present = war_room_texts(str(incident.get("id")))
    fresh = [n for n in notes if note_version(n) not in cache and note_text(n) not in present]
    execute_command("setIncident", {CACHE_FIELD: json.dumps(sorted(set(cache) | {note_version(n) for n in notes}))})
    entries: list = [{"Type": EntryType.NOTE, "ContentsFormat": EntryFormat.TEXT, "Contents": note_text(n), "Note": True}
                     for n in fresh]
    summary = (f"Added {len(fresh)} new note(s) of detection {detection_id} to the War Room." if fresh
               else f"Detection {detection_id} has no notes that this incident does not already have.")
    return [*entries, CommandResults(readable_output=summary)]


def main() -> None:
    try:
        return_results(sync())
    except Exception as error:
        return_error(f"Failed to execute VectraRUXSyncDetectionNotes. Error: {error}")


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
