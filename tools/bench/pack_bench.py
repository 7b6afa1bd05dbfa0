"""The pack against the emulator, each command in its own interpreter as XSOAR runs it: backlog drain, one mirror
cycle, cold start of one command. Every figure is counted (emulator request counters) or measured (the integration
script's CPU time, the command processes' peak memory, wall time), never assumed.
"""

from __future__ import annotations

import json
import math
import resource
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from tools.vectra_emulator import Emulator
from tools.xsoar_local.engine import Engine
from tools.xsoar_local.mirroring import Mirroring

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUX"
COLLECTOR = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUXEventCollector"
INSTANCE = "vectra"
MAX_RUNS = 200


def engine_for(vectra: Emulator, state_dir: Path, **params: str) -> Engine:
    engine = Engine(state_dir=state_dir, isolation="process")
    defaults = {"isFetch": True, "first_fetch": "7 days", "max_fetch": "200", "mirror_direction": "Incoming And Outgoing"}
    engine.set_instance(INSTANCE, INTEGRATION, vectra.instance_params(**{**defaults, **params}))
    return engine


def fetch_cursor(engine: Engine) -> int | None:
    stored = engine.store.integration_context(INSTANCE).read()[0].get("fetch")  # a JSON string, as the pack stores it
    return (json.loads(stored) if stored else {}).get("cursor")


def duplicate_incidents(engine: Engine) -> int:
    per_detection = Counter(incident["dbotMirrorId"] for incident in engine.store.incidents(instance=INSTANCE))
    return sum(count - 1 for count in per_detection.values())


def children_peak_rss_mib() -> float:
    """Peak resident memory of the largest command process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def drain(detections: int = 1000, events: int = 20000, max_fetch: int = 200, seed: int = 11) -> dict:
    """A backlog of `events` events about `detections` new detections (the rest append/adjust/status changes),
    fetched with `max_fetch` until the stream is consumed and every detection has its incident."""
    with tempfile.TemporaryDirectory() as tmp, Emulator(seed=seed, entities=300, detections=detections, events=events,
                                                         history_hours=72) as vectra:
        engine = engine_for(vectra, Path(tmp), max_fetch=str(max_fetch))
        latest = vectra.world.latest_event_id()
        runs, cpu, wall = 0, 0.0, 0.0
        while runs < MAX_RUNS:
            runs += 1
            result = engine.run(INSTANCE, "fetch-incidents")
            if not result.ok:
                raise RuntimeError(f"fetch run {runs} failed: {result.error}")
            cpu += result.cpu_seconds
            wall += result.seconds
            if fetch_cursor(engine) == latest:
                break
        incidents = len(engine.store.incidents(instance=INSTANCE))
        return {
            "drain_events": events,
            "drain_detections": detections,
            "drain_max_fetch": max_fetch,
            "drain_runs": runs,
            "drain_requests": vectra.api_requests(),
            "drain_incidents": incidents,
            "drain_duplicate_incidents": duplicate_incidents(engine),
            "fetch_cpu_s_per_1000_events": round(cpu / events * 1000, 4),
            "drain_wall_s": round(wall, 2),
            "drain_peak_rss_mib": children_peak_rss_mib(),
        }


def mirror_cycle(open_incidents: int = 500, changed: int = 50, seed: int = 12) -> dict:
    """`open_incidents` mirrored incidents, `changed` of them changed in Vectra (status, notes, new activity), then
    one run of the platform's jobs: fetch, then incoming mirroring. Counts the requests of the mirroring half."""
    with tempfile.TemporaryDirectory() as tmp, Emulator(seed=seed, entities=200, detections=0, events=0) as vectra:
        detection_ids = vectra.world.add_detections(open_incidents)
        engine = engine_for(vectra, Path(tmp))
        mirroring = Mirroring(engine, INSTANCE)
        while engine.run(INSTANCE, "fetch-incidents").incidents:
            pass
        mirroring.incoming()  # the first cycle after the incidents exist: nothing changed since their creation
        if len(engine.store.incidents(instance=INSTANCE)) != open_incidents:
            raise RuntimeError("the mirror benchmark needs one incident per detection")

        touched = detection_ids[:changed]
        third = max(1, changed // 3)
        vectra.world.analyst_set_status(touched[:third], "escalated")
        for detection_id in touched[third:2 * third]:
            vectra.world.analyst_add_note(detection_id, f"benchmark note on {detection_id}")
        vectra.world.add_observations(touched[2 * third:])

        vectra.reset_counters()
        fetched = engine.run(INSTANCE, "fetch-incidents")
        fetch_requests = vectra.api_requests()
        vectra.reset_counters()
        started = time.monotonic()
        report = mirroring.incoming()
        wall = time.monotonic() - started
        if report.errors or sorted(report.modified_ids) != sorted(str(d) for d in touched):
            raise RuntimeError(f"the mirror cycle did not see exactly the changed detections: {report}")
        requests = vectra.api_requests()
        return {
            "mirror_open_incidents": open_incidents,
            "mirror_changed_incidents": changed,
            "mirror_requests": requests,
            "mirror_requests_per_changed_incident": round(requests / changed, 3),
            "mirror_incidents_updated": len(report.incidents_updated),
            "mirror_fetch_requests": fetch_requests,
            "mirror_fetch_new_incidents": len(fetched.incidents),
            "mirror_wall_s": round(wall, 2),
        }


def cold_start(repeats: int = 5) -> dict:
    """One command in a new interpreter: process start, imports, token, one API call. The median of `repeats`."""
    with tempfile.TemporaryDirectory() as tmp, Emulator(seed=13, detections=20, events=50) as vectra:
        engine = engine_for(vectra, Path(tmp))
        samples = []
        for _ in range(repeats):
            started = time.monotonic()
            result = engine.run(INSTANCE, "vectra-user-list", {})
            samples.append(time.monotonic() - started)
            if not result.ok:
                raise RuntimeError(f"vectra-user-list failed: {result.error}")
        return {"cold_start_s": round(statistics.median(samples), 3), "cold_start_min_s": round(min(samples), 3)}


def xsiam_backlog(detections: int = 6000, events: int = 70000, seed: int = 14) -> dict:
    """The XSIAM collector over a backlog across its streams (about 100,000 events at full size: the detection events
    plus the audits and entity scoring events the same history makes), fetch-events in new interpreters until
    caught up, the engine playing XSIAM's collector. Counts the POSTs XSIAM received and the collector's own CPU."""
    with tempfile.TemporaryDirectory() as tmp, Emulator(seed=seed, entities=400, detections=detections, events=events,
                                                         history_hours=72) as vectra:
        engine = Engine(state_dir=Path(tmp), isolation="process")
        engine.set_instance("collector", COLLECTOR, vectra.instance_params(first_fetch="7 days"))
        runs, cpu, wall = 0, 0.0, 0.0
        while runs < MAX_RUNS:
            runs += 1
            posts_before = len(engine.store.collector_posts())
            result = engine.run("collector", "fetch-events")
            if not result.ok:
                raise RuntimeError(f"fetch-events run {runs} failed: {result.error}")
            cpu, wall = cpu + result.cpu_seconds, wall + result.seconds
            if len(engine.store.collector_posts()) == posts_before:
                break  # caught up: the run sent nothing
        counts = engine.store.dataset_counts("vectra_rux_raw")
        collected = sum(counts.values())
        world = vectra.world
        expected = len(world.events) + len(world.activity.audits) + len(world.activity.scoring)
        paged = collected - counts.get("lockdown", 0) - counts.get("health", 0)
        if paged != expected:
            raise RuntimeError(f"the collector stored {paged} stream events; the tenant has {expected}")
        posts = len(engine.store.collector_posts())
        per_page = [len(world.events), len(world.activity.audits)] + [
            sum(1 for e in world.activity.scoring if e["type"] == kind) for kind in ("host", "account")]
        fewest_posts = sum(math.ceil(count / 1000) for count in per_page) + 2  # full pages, and the two snapshots
        return {
            "xsiam_events": collected,
            "xsiam_events_per_stream": counts,
            "xsiam_runs": runs,
            "xsiam_posts": posts,
            "xsiam_fewest_posts_possible": fewest_posts,
            "xsiam_requests_per_1000_events": round(posts / collected * 1000, 3),
            "xsiam_vectra_requests": vectra.api_requests(),
            "xsiam_cpu_s_per_1000_events": round(cpu / collected * 1000, 4),
            "xsiam_wall_s": round(wall, 2),
        }
