"""A failed outgoing update, retried the way the platform retries it: the same entries again, in the next cycles.

One update carries a tag change, a normal War Room note, a note too long for Vectra and the incident's closure. The
too-long note fails the update every time (the problem stays loud); everything that succeeded the first time —
the note, the tag change, the close and its closing note — is applied once, whatever the number of retries."""

import pytest

from Tests.e2e.helpers import engine_for, fetch_until_quiet
from tools.xsoar_local.mirroring import OUTGOING_ATTEMPTS, Mirroring

pytestmark = pytest.mark.e2e
FROM_XSOAR = "[Mirrored From XSOAR]"


def test_a_retried_update_applies_nothing_twice(make_vectra_emulator, tmp_path):
    vectra = make_vectra_emulator(seed=51, entities=10, detections=12, events=60, history_hours=12)
    engine = engine_for(vectra, tmp_path, max_fetch="50")
    fetch_until_quiet(engine)
    world = vectra.world
    incident = next(i for i in engine.store.incidents() if world.detections[int(i["dbotMirrorId"])].state == "active")
    detection = world.detections[int(incident["dbotMirrorId"])]
    notes_before, tags_before = len(detection.notes), list(detection.tags)
    last_event_before = world.latest_event_id()

    engine.edit_incident(incident["id"], {"tags": [*tags_before, "retry-tag"]})
    engine.add_note(incident["id"], "normal note from the SOC", tags=["note"])
    engine.add_note(incident["id"], "x" * 9000, tags=["note"])
    engine.close_incident(incident["id"], "Resolved", "done here")
    mirroring = Mirroring(engine, "vectra")
    reports = [mirroring.outgoing() for _ in range(OUTGOING_ATTEMPTS + 1)]

    assert [r.outgoing_calls for r in reports] == [1] * OUTGOING_ATTEMPTS + [0]  # retried, then given up
    assert all("8000" in r.errors[0] for r in reports[:OUTGOING_ATTEMPTS])  # loud every time
    added = detection.notes[notes_before:]
    assert [n["note"].count("normal note from the SOC") for n in added if "normal note" in n["note"]] == [1]
    assert sum("was closed" in n["note"] for n in added) == 1  # one closing note
    assert len(added) == 2
    closes = [e for e in world.events if e.detection_id == detection.id and e.change_type == "state"
              and e.id > last_event_before]
    assert len(closes) == 1
    assert detection.tags.count("retry-tag") == 1 and detection.state == "fixed"
    audits = [a for a in world.activity.audits if a["event_object"] == "detection_tag"
              and "retry-tag" in a["message"]]
    assert len(audits) == 1

