"""The reliability suite: fetch-incidents over a seeded tenant while the emulator (or the platform) misbehaves.

Each scenario injects its fault in the middle of a backlog drain (before the second run), then fetches until the
stream is consumed. For every scenario: no qualifying detection is left without an incident, none gets two, every
run ends inside the integration's time budget, a failed run is followed by one that succeeds, and neither the
client secret nor any token Vectra issued appears in the logs, errors, War Room entries, incidents or context.
"""

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from Tests.e2e.helpers import INTEGRATION, engine_for, qualifying_detections
from tools.bench.pack_bench import fetch_cursor
from tools.xsoar_local.store import PLAYGROUND

pytestmark = pytest.mark.e2e
SECRET = "fault-suite-S3cret-7f41c9"
FETCH_BUDGET_S = float(re.search(r"^FETCH_TIME_BUDGET_S = (\d+)", (INTEGRATION / "VectraRUX.py").read_text(), re.M)[1])
MAX_RUNS = 40


@dataclass
class Scenario:
    name: str
    inject: Callable  # (vectra, engine) -> None, just before the second run
    emulator: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)
    failed_runs_allowed: int = 0
    check: Callable | None = None  # (vectra, results) -> None, extra assertions


def configure(**faults):
    return lambda vectra, engine: vectra.faults.configure(**faults)


def expire_everything(vectra, engine):
    vectra.tokens.expire_refresh_tokens()
    vectra.faults.configure(expire_tokens_after_requests=1)


def fail_after_incidents(vectra, engine):
    engine.fail_before_last_run = True


def waited(results, pattern):
    return [message for result in results for _, message in result.logs if re.search(pattern, message)]


def refreshed(vectra, results):
    assert vectra.tokens.issued["refresh_token"] >= 1  # the refresh grant took over mid-run


def fell_back_to_credentials(vectra, results):
    assert vectra.tokens.issued["client_credentials"] >= 2 and vectra.api_requests("oauth2/token", status=401) >= 1


def honoured_retry_after(vectra, results):
    assert vectra.api_requests(status=429) >= 5
    assert waited(results, r"HTTP 429; waiting 1\.0s")  # Retry-After: 1, not the client's own backoff


def refused_then_reauthenticated(vectra, results):
    assert vectra.api_requests(status=401) == 3
    assert any("HTTP 401" in result.error for result in results if not result.ok)


def events_read(results):
    return sum(int(m[1]) for result in results for _, message in result.logs
               if (m := re.search(r"\[Fetch\] read (\d+) events", message)))


def read_repeated_events(vectra, results):
    assert events_read(results) > len(vectra.world.events)  # the repeats were served, and ignored


def timestamps_out_of_order(vectra, results):
    stamps = [json.loads(event.basic)["event_timestamp"] for event in vectra.world.events]
    assert stamps != sorted(stamps)


def incidents_from_malformed_events(vectra, results):
    raws = [json.loads(incident["rawJSON"]) for result in results for incident in result.incidents]
    assert any(raw.get("event_timestamp") == "not-a-date" or "entity_name" not in raw for raw in raws)


def lost_a_run_with_incidents(vectra, results):
    assert any(result.incidents for result in results if not result.ok)


def retried(status_pattern):
    def check(vectra, results):
        assert waited(results, rf"\[Retry\] GET .*{status_pattern}")
    return check


SCENARIOS = [
    Scenario("tokens expire mid-run", configure(expire_tokens_after_requests=1), check=refreshed),
    Scenario("refresh token expires", expire_everything, check=fell_back_to_credentials),
    Scenario("401 burst", configure(unauthorized_requests=3), failed_runs_allowed=1, check=refused_then_reauthenticated),
    Scenario("429 storm with Retry-After", configure(rate_limit_requests=7, retry_after_s=1), failed_runs_allowed=1,
             check=honoured_retry_after),
    Scenario("5xx burst", configure(server_error_requests=2, server_error_status=502), check=retried("HTTP 502")),
    Scenario("timeouts", configure(slow_requests=2, slow_s=2.5), env={"REQUESTS_TIMEOUT": "1"},
             check=retried("ReadTimeout")),
    Scenario("dropped connections", configure(drop_connections=2), failed_runs_allowed=1, check=retried("ConnectionError")),
    Scenario("duplicate events across pages", configure(duplicate_events=7), check=read_repeated_events),
    Scenario("out-of-order timestamps", lambda vectra, engine: None, emulator={"timestamp_jitter_s": 3 * 3600},
             check=timestamps_out_of_order),
    Scenario("malformed events", configure(malformed_events=True), check=incidents_from_malformed_events),
    Scenario("failure between creating incidents and saving the last run", fail_after_incidents, failed_runs_allowed=1,
             check=lost_a_run_with_incidents),
]


def drain(vectra, engine, scenario):
    results = []
    for run in range(MAX_RUNS):
        if run == 1:
            scenario.inject(vectra, engine)
        results.append(engine.run("vectra", "fetch-incidents"))
        engine.fail_before_last_run = False
        if run >= 1 and results[-1].ok and fetch_cursor(engine) == vectra.world.latest_event_id():
            return results
    raise AssertionError(f"{scenario.name}: fetch never consumed the stream")


def haystack(engine, results):
    """Everything a user or an admin can read after the runs: logs, errors, outputs, incidents, entries, context."""
    parts = [json.dumps([result.logs, result.error, result.printed], default=str) for result in results]
    investigations = [PLAYGROUND] + [incident["id"] for incident in engine.store.incidents()]
    parts.append(json.dumps(engine.store.incidents(), default=str))
    for investigation in investigations:
        parts.append(json.dumps(engine.store.entries(investigation), default=str))
        parts.append(json.dumps(engine.store.context(investigation), default=str))
    return "\n".join(parts)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_fetch_survives(scenario, make_vectra_emulator, tmp_path, monkeypatch):
    for name, value in scenario.env.items():
        monkeypatch.setenv(name, value)
    vectra = make_vectra_emulator(seed=61, detections=45, events=420, history_hours=48, client_secret=SECRET,
                                  **scenario.emulator)
    engine = engine_for(vectra, tmp_path, max_fetch="12")

    results = drain(vectra, engine, scenario)

    per_detection = Counter(int(incident["dbotMirrorId"]) for incident in engine.store.incidents())
    assert [d for d, count in per_detection.items() if count > 1] == [], "duplicate incidents"
    assert set(per_detection) == qualifying_detections(vectra.world), "detections lost or fetched wrongly"
    assert all(result.seconds < FETCH_BUDGET_S for result in results)
    failed = [index for index, result in enumerate(results) if not result.ok]
    assert len(failed) <= scenario.failed_runs_allowed, [results[i].error for i in failed]
    assert all(results[index + 1].ok for index in failed), "the run after a failure did not recover"
    for error in (results[i].error for i in failed):
        assert "Traceback" not in error and error.strip()
    text = haystack(engine, results)
    for secret in [SECRET, *vectra.tokens.every_token]:
        assert secret not in text, "a secret leaked"
    if scenario.check:
        scenario.check(vectra, results)
