"""One instance as a customer's XSOAR runs it: every command in its own interpreter, the instance's integration
context kept between runs by the engine exactly as the platform keeps it. Fetch three times, one mirroring round
(get-modified-remote-data, get-remote-data, update-remote-system) and five analyst commands: every run succeeds,
and Vectra sees one token request in all — the token written by the first run is read by every later one."""

import json

import pytest

from Tests.e2e.helpers import engine_for

pytestmark = pytest.mark.e2e


def test_eleven_runs_in_new_interpreters_share_one_token(make_vectra_emulator, tmp_path):
    vectra = make_vectra_emulator(seed=12, entities=12, detections=30, events=240, history_hours=24)
    engine = engine_for(vectra, tmp_path, isolation="process", max_fetch="10")
    runs = [engine.run("vectra", "fetch-incidents") for _ in range(3)]
    incident = engine.store.incidents()[0]
    detection_id = incident["dbotMirrorId"]
    vectra.world.analyst_add_note(int(detection_id), "MDR: seen")
    assert engine.run("vectra", "fetch-incidents").ok  # reads the note's event, as the platform's fetch job would
    runs += [
        engine.run("vectra", "get-modified-remote-data", {"lastUpdate": incident["created"]}, war_room=False),
        engine.run("vectra", "get-remote-data", {"id": detection_id, "lastUpdate": incident["created"]}, war_room=False),
        engine.run("vectra", "update-remote-system", {
            "remoteId": detection_id, "data": {"id": incident["id"], "dbotMirrorDirection": "Both"},
            "delta": {"vectraruxinvestigationstatus": "acknowledged"}, "entries": [], "status": 1,
            "incidentChanged": True}, war_room=False),
        engine.run("vectra", "vectra-detection-list", {"page_size": "2"}),
        engine.run("vectra", "vectra-detection-describe", {"detection_ids": detection_id}),
        engine.run("vectra", "vectra-detection-tag-add", {"detection_id": detection_id, "tags": "triage"}),
        engine.run("vectra", "vectra-detection-note-list", {"detection_id": detection_id}),
        engine.run("vectra", "vectra-user-list", {}),
    ]
    assert [(run.command, run.error) for run in runs if not run.ok] == []
    assert sum(len(run.incidents) for run in runs[:3]) == 30
    assert detection_id in json.dumps(runs[3].printed)  # get-modified-remote-data found the noted detection
    assert vectra.world.detections[int(detection_id)].investigation_status == "acknowledged"
    assert vectra.api_requests(route="oauth2/token") == 1
    stored, _ = engine.store.integration_context("vectra").read()
    assert isinstance(stored["auth"], str) and isinstance(stored["fetch"], str)  # as the platform keeps what we write
