"""How fast the emulator serves the events stream: requests per second at limit=1000, detailed events.

Starts the emulator by its command line (its own process, as the demo and the end-to-end runs use it), then one
client with a keep-alive session pages through a 20,000-event stream repeatedly for a few seconds. Prints the
figures and returns them for `make bench`.

    python -m tools.bench.emulator_throughput [--seconds 5] [--events 20000]
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path
from typing import Any

import requests

from tools.vectra_emulator import start_process

ROOT = Path(__file__).resolve().parents[2]


def start_emulator(events: int, detections: int) -> tuple[subprocess.Popen, str]:
    return start_process("--seed", "42", "--events", str(events), "--detections", str(detections), "--entities", "200",
                         cwd=str(ROOT))


def measure(url: str, seconds: float) -> dict:
    session = requests.Session()
    token = session.post(f"{url}/oauth2/token", data={"grant_type": "client_credentials"},
                         auth=("xsoar-client", "xsoar-secret"), timeout=30).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    params: dict[str, Any] = {"limit": 1000, "size": "detailed", "include_info_category": "true", "ordering": "id"}
    requests_made = events_served = bytes_served = 0
    checkpoint = None
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        query = dict(params, **({"from": checkpoint} if checkpoint is not None else {}))
        answer = session.get(f"{url}/api/v3.5/events/detections", params=query, timeout=60)
        page = answer.json()
        requests_made += 1
        events_served += len(page["events"])
        bytes_served += len(answer.content)
        checkpoint = None if page["remaining_count"] == 0 else page["next_checkpoint"]
    elapsed = time.perf_counter() - started
    server_seconds = session.get(f"{url}/_emulator/timings", timeout=30).json().get("events/detections", 0.0)
    return {
        "server_ms_per_page": round(server_seconds / requests_made * 1000, 1),
        "client_ms_per_page": round((elapsed - server_seconds) / requests_made * 1000, 1),
        "events_requests_per_s_limit_1000": round(requests_made / elapsed, 1),
        "events_per_s": round(events_served / elapsed),
        "megabytes_per_s": round(bytes_served / elapsed / 1e6, 1),
        "requests": requests_made,
    }


def run(seconds: float = 5.0, events: int = 20_000, detections: int = 1_000) -> dict:
    process, url = start_emulator(events, detections)
    try:
        return measure(url, seconds)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--events", type=int, default=20_000)
    options = parser.parse_args()
    figures = run(options.seconds, options.events)
    print("emulator, GET /api/v3.5/events/detections?limit=1000&size=detailed (one keep-alive client)")
    print("  server_ms_per_page: query + serialise + socket write; client_ms_per_page: the rest (read + json parse)")
    for key, value in figures.items():
        print(f"  {key:36} {value}")


if __name__ == "__main__":
    main()
