"""The soak's judgements that need no emulator: recoveries, token races, context retries."""

import re

from tools.xsoar_local.soak_verdict import _closed_before, runs_verdict, token_verdict


def run(command, started, finished="", ok=True, error="", instance="vectra", logs=()):
    return {"instance": instance, "command": command, "started": started, "finished": finished or started, "ok": ok,
            "error": error, "logs": [["debug", line] for line in logs]}


def test_a_failure_counts_as_recovered_only_when_the_same_command_later_ran_well():
    runs = [run("fetch-incidents", "1", ok=False, error="503"), run("fetch-incidents", "2"),
            run("get-remote-data", "3"), run("get-remote-data", "4", ok=False, error="timeout"),
            run("update-remote-system", "5", ok=False, error="Vectra accepts at most 8000 characters")]
    verdict = runs_verdict(runs, re.compile("accepts at most"))
    assert verdict["jobs"]["fetch"] == {"runs": 2, "failed": 1, "recovered": 1, "by_design": 0}
    assert verdict["jobs"]["mirroring"] == {"runs": 3, "failed": 1, "recovered": 0, "by_design": 1}
    assert len(verdict["problems"]) == 1 and verdict["problems"][0].startswith("get-remote-data failed at 4")


EXPIRED = ("[Token Request] access token expired; asking Vectra for a new one", "[Token Request] refresh_token grant")


def test_token_requests_beyond_the_lifetimes_are_explained_only_by_overlapping_runs():
    # 60 s with a 30 s usable lifetime allow 3 requests for expired tokens.
    overlapping = [run("a", f"00:0{i}", f"00:0{i + 2}", logs=EXPIRED) for i in range(4)]  # each starts before the last ended
    verdict = token_verdict(overlapping, seconds=60, usable_lifetime=30, issued={"refresh_token": 4})
    assert verdict["instances"]["vectra"]["races"] == 3 and verdict["problems"] == []
    one_after_another = [run("a", f"00:{i}0", f"00:{i}1", logs=EXPIRED) for i in range(5)]
    verdict = token_verdict(one_after_another, seconds=60, usable_lifetime=30, issued={"refresh_token": 5})
    assert verdict["instances"]["vectra"]["races"] == 0 and "5 requests for expired tokens" in verdict["problems"][0]


def test_tokens_vectra_issued_that_no_run_asked_for_are_a_problem():
    verdict = token_verdict([run("a", "1", logs=EXPIRED)], seconds=60, usable_lifetime=30, issued={"client_credentials": 2})
    assert verdict["problems"] == ["Vectra issued 2 tokens, the runs asked for 1"]


def test_a_closed_incident_is_excused_only_for_what_vectra_did_after_its_close():
    closed = {"status": 2, "closed": "2026-11-01T12:00:05.123456Z"}
    assert _closed_before(closed, "2026-11-01T12:00:05Z")  # Vectra's times are whole seconds: the same second counts
    assert _closed_before(closed, "2026-11-01T12:30:00Z")
    assert not _closed_before(closed, "2026-11-01T12:00:04Z")
    assert not _closed_before({**closed, "status": 1}, "2026-11-01T12:30:00Z")  # reopened: judged in full
    assert not _closed_before(closed, "")
