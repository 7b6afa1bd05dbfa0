"""`make bench`: the pack's figures, measured on the emulator, printed and written to build/bench.json and
build/bench.png.

  1. backlog drain: 20,000 events about 1,000 new detections, max_fetch 200
  2. mirror cycle: 500 open incidents, 50 changed in Vectra
  3. long run: 1,000,000 events through fetch and incoming mirroring (in process, fake client)
  4. cold start of one command (new interpreter, imports, one API call)
  5. upgrade: taking over the published integration's last run with about 100,000 fetched detection IDs
  6. XSIAM: the event collector over a backlog of about 100,000 events across its streams

    python -m tools.bench [--quick] [--out build]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tools.bench import chart, long_run, pack_bench

ROOT = Path(__file__).resolve().parents[2]
TARGETS = {"drain_runs": 5, "mirror_requests_per_changed_incident": 1, "state_bytes_after_1m_events": 16384,
           "upgrade_state_bytes": 16384, "xsiam_requests_per_1000_events": 1.1}
FULL = {"drain": {"detections": 1000, "events": 20000, "max_fetch": 200},
        "mirror": {"open_incidents": 500, "changed": 50},
        "long_run": {"events": 1_000_000},
        "upgrade": {"events": 220_000, "first_read": 20_000},
        "xsiam": {"detections": 6000, "events": 70_000}}
QUICK = {"drain": {"detections": 100, "events": 2000, "max_fetch": 20},
         "mirror": {"open_incidents": 40, "changed": 6},
         "long_run": {"events": 20_000},
         "upgrade": {"events": 4_000, "first_read": 1_000},
         "xsiam": {"detections": 200, "events": 2_000}}


def machine() -> dict:
    memory_kib = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        first = meminfo.read_text().splitlines()[0].split()
        memory_kib = int(first[1]) if first[0] == "MemTotal:" else 0
    return {"cpus": os.cpu_count(), "memory_gib": round(memory_kib / 1024 / 1024, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def run(sizes: dict) -> dict:
    figures: dict = {}
    steps: list[tuple[str, Callable[[], dict]]] = [
        ("backlog drain", lambda: pack_bench.drain(**sizes["drain"])),
        ("mirror cycle", lambda: pack_bench.mirror_cycle(**sizes["mirror"])),
        ("long run", lambda: long_run.long_run(**sizes["long_run"])),
        ("cold start", pack_bench.cold_start),
        ("upgrade", lambda: long_run.upgrade_from_published(**sizes["upgrade"])),
        ("xsiam", lambda: pack_bench.xsiam_backlog(**sizes["xsiam"])),
    ]
    for name, step in steps:
        started = time.monotonic()
        print(f"running: {name} ...", file=sys.stderr, flush=True)
        figures.update(step())
        print(f"         {name}: {time.monotonic() - started:.1f}s", file=sys.stderr, flush=True)
    if sizes["long_run"]["events"] == 1_000_000:
        figures["state_bytes_after_1m_events"] = figures["long_run_state_bytes"]
    return figures


def table(figures: dict) -> str:
    lines = [f"{'figure':42} {'value':>12}  target", f"{'-' * 42} {'-' * 12}  ------"]
    for key, value in figures.items():
        target = TARGETS.get(key)
        verdict = "" if target is None else f"<= {target}  {'met' if value <= target else 'MISSED'}"
        lines.append(f"{key:42} {value!s:>12}  {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run; the targets apply to full size)")
    parser.add_argument("--out", default=str(ROOT / "build"))
    options = parser.parse_args(argv)
    sizes = QUICK if options.quick else FULL
    figures = run(sizes)
    print(table(figures))
    info = machine()
    print(f"machine: {info['cpus']} CPUs, {info['memory_gib']} GiB, Python {info['python']}, {info['platform']}")

    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {**figures, "targets": TARGETS, "sizes": sizes, "machine": info}
    (out / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    state_key = "state_bytes_after_1m_events" if "state_bytes_after_1m_events" in figures else "long_run_state_bytes"
    bars: list[tuple[str, float, float]] = [("drain runs", figures["drain_runs"], TARGETS["drain_runs"]),
            ("mirror requests per changed incident", figures["mirror_requests_per_changed_incident"],
             TARGETS["mirror_requests_per_changed_incident"]),
            ("state bytes after the long run", figures[state_key], TARGETS["state_bytes_after_1m_events"]),
            ("xsiam requests per 1000 events", figures["xsiam_requests_per_1000_events"],
             TARGETS["xsiam_requests_per_1000_events"])]
    footer = f"{info['cpus']} cpus, {info['memory_gib']} gib, python {info['python']}" + (" (quick)" if options.quick else "")
    (out / "bench.png").write_bytes(chart.bar_chart("vectra rux pack benchmarks", bars, footer))
    print(f"wrote {out / 'bench.json'} and {out / 'bench.png'}")
    missed = [key for key, target in TARGETS.items() if key in figures and figures[key] > target]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
