"""Shared by the end-to-end tests: an engine instance wired to an emulator, and what Vectra's history says should
exist, computed from the emulator's own events (independently of the integration's code)."""

import json
from pathlib import Path

from tools.xsoar_local.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUX"
INACTIVE = ("closed", "expired")


def engine_for(emulator, tmp_path, isolation="module", **params):
    engine = Engine(state_dir=tmp_path / "xsoar", isolation=isolation)
    defaults = {"isFetch": True, "first_fetch": "7 days", "max_fetch": "50", "mirror_direction": "Incoming And Outgoing"}
    engine.set_instance("vectra", INTEGRATION, emulator.instance_params(**{**defaults, **params}))
    return engine


def fetch_until_quiet(engine, limit=100):
    """Run fetch-incidents until a run creates nothing; returns the number of runs."""
    for run in range(1, limit + 1):
        result = engine.run("vectra", "fetch-incidents")
        assert result.ok, result.error
        if not result.incidents:
            return run
    raise AssertionError("fetch never caught up")


def fetched_detections(engine):
    return sorted(int(incident["dbotMirrorId"]) for incident in engine.store.incidents())


def qualifying_detections(world, entity_types=("host", "account"), prioritized=False, escalated=False, after_event_id=0):
    """Detections with at least one visible event (not triaged) that qualifies under the fetch filters."""
    wanted = set()
    for stored in world.events:
        if stored.id <= after_event_id or stored.triaged or stored.entity_type not in entity_types:
            continue
        event = json.loads(stored.detailed)
        status = event["investigation_status"]
        if status in INACTIVE or event["state"] in ("fixed", "closed"):
            continue
        flagged = event["is_prioritized"] or event["unresolved_priority"]
        if (not prioritized and not escalated) or (prioritized and flagged) or (escalated and status == "escalated"):
            wanted.add(stored.detection_id)
    return wanted
