"""The short soak (about a minute of streams) in `make test`: fetch, mirroring, the XSIAM collector, analysts and
playbooks at once, each run in a new interpreter, while Vectra's world changes and faults come and go. The long
soak is `make soak MINUTES=10`; both judge the same way (tools/xsoar_local/soak_verdict.py)."""

import pytest

from tools.xsoar_local.soak import Soak, SoakPlan, summary

pytestmark = pytest.mark.e2e


def test_a_minute_of_everything_at_once_leaves_both_sides_equal(tmp_path, capsys):
    report = Soak(SoakPlan(minutes=1.0, seed=5), tmp_path / "soak").run()
    with capsys.disabled():
        print("\n" + summary(report))
    figures = report["figures"]
    assert report["passed"], report["problems"]
    assert figures["mismatches"] == 0 and figures["echoes"] == 0 and figures["duplicate_incidents"] == 0
    assert figures["events"]["lost"] == 0
    # The soak did what it says: every job ran, the world and the analysts moved, faults happened.
    assert {"fetch", "mirroring", "collector", "analyst"} <= set(figures["runs_per_job"])
    assert figures["mirror_cycles"] >= 5 and figures["incidents"] > 0
    assert sum(figures["world_changes"].values()) >= 10 and sum(figures["analyst_actions"].values()) >= 10
    assert sum(figures["faults"].values()) >= 3
