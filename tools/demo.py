"""`make demo`: the pack fetching incidents from a Vectra tenant, with no XSOAR and no Vectra needed.

1. starts the Vectra emulator (its own process) with a seeded tenant;
2. configures an instance of the integration in the local engine (state under .state/demo, fresh each time);
3. runs test-module, then fetch-incidents — each run in a new interpreter, as XSOAR does — until caught up;
4. prints the incidents created and the figures: events read, API requests, runs, incidents, seconds;
5. runs the XSIAM event collector once on the same tenant and prints what XSIAM received per stream.

    python -m tools.demo [--seed 7] [--detections 80] [--events 1200] [--max-fetch 25]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests

from tools.vectra_emulator import start_process
from tools.xsoar_local.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
INTEGRATION = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUX"
COLLECTOR = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUXEventCollector"
DATASET = "vectra_rux_raw"
SEVERITY_NAMES = {0: "Unknown", 0.5: "Info", 1: "Low", 2: "Medium", 3: "High", 4: "Critical"}


def start_emulator(options: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    try:
        return start_process("--seed", str(options.seed), "--detections", str(options.detections), "--events",
                             str(options.events), "--entities", str(options.entities), "--history-hours", "48",
                             "--client-id", "demo-client", "--client-secret", "demo-secret", cwd=str(ROOT))
    except RuntimeError as error:
        raise SystemExit(str(error)) from None


def configure(url: str, state_dir: Path, max_fetch: int) -> Engine:
    shutil.rmtree(state_dir, ignore_errors=True)
    engine = Engine(state_dir=state_dir, isolation="process")
    connection = {"server_url": url, "credentials": {"identifier": "demo-client", "password": "demo-secret"},
                  "first_fetch": "3 days"}
    engine.set_instance("vectra", INTEGRATION, {**connection, "isFetch": True, "max_fetch": str(max_fetch),
                                                "mirror_direction": "Incoming And Outgoing"})
    engine.set_instance("collector", COLLECTOR, connection)
    return engine


def collect_events(engine: Engine) -> None:
    """One fetch-events run of the XSIAM collector: what XSIAM received, per stream."""
    result = engine.run("collector", "fetch-events")
    if not result.ok:
        print(f"fetch-events failed: {result.error}")
        return
    counts = engine.store.dataset_counts(DATASET)
    posts = len(engine.store.collector_posts())
    print(f"XSIAM ({DATASET}), one fetch-events run in {result.seconds:.2f}s, {posts} POSTs: "
          + ", ".join(f"{stream} {count}" for stream, count in counts.items())
          + f" (python -m tools.xsoar_local --state {engine.state_dir} events --dataset {DATASET})")


def incident_rows(engine: Engine) -> list[str]:
    rows = ["| incident | name | severity | detection | investigation status |", "|---|---|---|---|---|"]
    for incident in engine.store.incidents(instance="vectra"):
        raw = json.loads(incident.get("rawJSON") or "{}")
        status = raw.get("investigation_status") or raw.get("status") or ""
        severity = SEVERITY_NAMES.get(incident.get("severity"), incident.get("severity"))  # type: ignore[arg-type]
        rows.append(f"| {incident['id']} | {incident['name']} | {severity} | {incident['dbotMirrorId']} | {status} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--entities", type=int, default=30)
    parser.add_argument("--detections", type=int, default=80)
    parser.add_argument("--events", type=int, default=1200)
    parser.add_argument("--max-fetch", type=int, default=25)
    parser.add_argument("--state", default=str(ROOT / ".state" / "demo"))
    options = parser.parse_args(argv)

    started = time.monotonic()
    process, url = start_emulator(options)
    try:
        print(f"Vectra emulator: {url} — seed {options.seed}, {options.detections} detections, {options.events} events "
              "over the last 48 hours")
        engine = configure(url, Path(options.state), options.max_fetch)
        check = engine.run("vectra", "test-module")
        print(f"test-module: {check.entries[0]['Contents'] if check.ok else check.error}")
        if not check.ok:
            return 1
        runs = 0
        while True:
            runs += 1
            result = engine.run("vectra", "fetch-incidents")
            if not result.ok:
                print(f"fetch-incidents run {runs} failed: {result.error}")
                return 1
            total = len(engine.store.incidents(instance="vectra"))
            print(f"fetch-incidents run {runs}: {len(result.incidents):3d} new incidents ({total} in all), "
                  f"{result.seconds:.2f}s")
            if not result.incidents or runs >= 100:
                break
        stats = requests.get(f"{url}/_emulator/stats", timeout=10).json()
        print()
        print("\n".join(incident_rows(engine)))
        print()
        incidents = len(engine.store.incidents(instance="vectra"))
        print(f"events read: {stats['events_served']} | API requests: {stats['api_requests']} | runs: {runs} | "
              f"incidents: {incidents} | seconds: {time.monotonic() - started:.1f}")
        print()
        collect_events(engine)
        return 0
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
