"""Shared by the end-to-end tests: an engine instance wired to an emulator; what Vectra's history says should exist
comes from tools.vectra_emulator.expected (the emulator's own record, independent of the integration's code)."""

from pathlib import Path

from tools.vectra_emulator.expected import qualifying_detections
from tools.xsoar_local.engine import Engine

__all__ = ["engine_for", "fetch_until_quiet", "fetched_detections", "qualifying_detections"]

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUX"


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
