"""Runs one command in its own interpreter for `Engine(isolation="process")`: `python -m tools.xsoar_local.child SPEC OUT`.

The parent engine writes the run's spec (instance, command, args, state; or an automation script to run) to SPEC;
this process executes it with a fresh interpreter and writes what it produced to OUT. The integration context is
shared through the same SQLite file, so concurrent processes see each other's writes as on the platform.
"""

import dataclasses
import json
import sys
from pathlib import Path

from tools.xsoar_local.engine import Engine


def main(spec_path: str, outcome_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    engine = Engine(state_dir=spec["state_dir"], config_path=spec["config"], isolation="module")
    if "script" in spec:  # an automation script: run and persisted here whole (its War Room entries, its run)
        result = engine.run_script(spec["script"], spec["args"], spec["incident_id"], spec["war_room"])
        outcome: dict = {"script_result": dataclasses.asdict(result)}
    else:  # an integration command: executed here, persisted by the parent as the platform's server does
        outcome = engine.execute(engine.instance(spec["instance"]), spec)
    Path(outcome_path).write_text(json.dumps(outcome, default=str))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
