"""The benchmarks at small sizes: they count what they claim to count (no timing is asserted here; `make bench`
prints the timings), and `python -m tools.bench` writes the JSON and the chart."""

import json
import struct

import pytest

from tools.bench import __main__ as bench
from tools.bench import chart, long_run, pack_bench

pytestmark = pytest.mark.e2e


def test_drain_counts_runs_requests_and_incidents():
    figures = pack_bench.drain(detections=30, events=300, max_fetch=10)
    assert figures["drain_incidents"] == 30 and figures["drain_duplicate_incidents"] == 0
    assert figures["drain_runs"] == 3  # 30 detections at 10 a run: the third run also reads to the end
    assert figures["drain_requests"] >= figures["drain_runs"] + 1  # a token, then at least a page a run
    assert figures["fetch_cpu_s_per_1000_events"] > 0 and figures["drain_peak_rss_mib"] > 0


def test_mirror_cycle_costs_one_request_per_changed_incident():
    figures = pack_bench.mirror_cycle(open_incidents=24, changed=6)
    assert figures["mirror_requests"] == 6 and figures["mirror_requests_per_changed_incident"] == 1.0
    assert figures["mirror_incidents_updated"] == 6 and figures["mirror_fetch_new_incidents"] == 0


def test_long_run_gives_every_detection_one_incident_with_small_state():
    # More detections than fetch keeps in its cache of created ones: old ones touched again are looked up in the history.
    figures = long_run.long_run(events=50_000, events_per_minute=5000, max_fetch=200, new_every=4)
    assert figures["long_run_incidents"] == figures["long_run_detections"] > 10_000
    assert figures["long_run_duplicate_incidents"] == 0 and figures["long_run_history_lookups"] > 0
    assert figures["long_run_state_bytes"] <= bench.TARGETS["state_bytes_after_1m_events"]


def test_upgrade_converts_the_published_last_run_into_a_small_state():
    figures = long_run.upgrade_from_published(events=4_000, first_read=1_000)
    assert figures["upgrade_published_ids"] > 1_000 and figures["upgrade_runs_until_converted"] == 1
    assert figures["upgrade_state_bytes"] <= bench.TARGETS["upgrade_state_bytes"]


def test_fake_client_pages_the_stream_like_vectra():
    stream = long_run.SyntheticStream(50, seed=1)
    client = long_run.FakeVectraClient(stream, budget=None, visible=30)
    page = client.detection_events(**{"from": 10}, limit=15, ordering="id")
    assert [e["id"] for e in page["events"]] == list(range(11, 26)) and page["remaining_count"] == 5
    detection = stream.event(40)["detection_id"]
    history = client.detection_events(detection_id=detection, limit=100)
    assert all(e["detection_id"] == detection and e["id"] <= 30 for e in history["events"])


def test_xsiam_backlog_sends_every_stream_event_once_in_pages():
    figures = pack_bench.xsiam_backlog(detections=60, events=1500)
    assert figures["xsiam_events_per_stream"]["detections"] == 1500
    assert figures["xsiam_posts"] == figures["xsiam_fewest_posts_possible"]  # a page of 1,000 is one POST
    assert figures["xsiam_cpu_s_per_1000_events"] > 0


def test_chart_is_a_png_of_the_expected_size():
    png = chart.bar_chart("title", [("a", 1, 2), ("b", 3, 2)], "footer")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert width == 760 and height == 70 + 64 * 2 + 40


def test_main_writes_json_and_chart(tmp_path, monkeypatch):
    figures = {"drain_runs": 4, "mirror_requests_per_changed_incident": 1.0, "long_run_state_bytes": 3000,
               "xsiam_requests_per_1000_events": 1.0}
    monkeypatch.setattr(bench, "run", lambda sizes: dict(figures))
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "bench.json").read_text())
    assert report["drain_runs"] == 4 and report["machine"]["cpus"] and report["targets"] == bench.TARGETS
    assert (tmp_path / "bench.png").read_bytes().startswith(b"\x89PNG")
    monkeypatch.setattr(bench, "run", lambda sizes: {**figures, "drain_runs": 9})
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 1  # a missed target fails `make bench`
