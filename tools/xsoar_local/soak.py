"""The soak: one instance's jobs running at once, as the platform runs them, while Vectra keeps changing and failing.

    python -m tools.xsoar_local soak --minutes 10 --seed 7        (make soak MINUTES=10)

Threads play the platform's schedulers, each starting its runs in new interpreters (Engine isolation "process"):
  fetch       fetch-incidents, every few seconds
  mirroring   the mirroring job back to back: update-remote-system per changed incident, get-modified-remote-data,
              get-remote-data per changed detection
  collector   fetch-events of the XSIAM event collector instance
  analyst     layout buttons, tag / note / status / external-ID commands, field and tag edits, War Room notes (now and
              then one too long for Vectra), closes and reopens, the Expire Inactive Detections playbook
  world       Vectra's side: new detections and observations, status changes, notes and tags by Vectra analysts,
              closes and reopens, triage, urgency, lockdown and health changes
  faults      bursts of 429 with Retry-After, 5xx, outages (10-25 s) that outlast a run's retries, slow answers,
              dropped connections, refused refresh tokens, tokens revoked, and XSIAM's collector refusing or losing
              posts; the access token lives 30 s
Then the streams stop, the faults clear, the analyst retries what failed for them, and the jobs run until nothing
moves; the verdict (`soak_verdict`) compares the engine's state with the emulator's own record and writes the figures
to build/soak.json. This module is the one part of the engine that knows the emulator: it stages both.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from tools.vectra_emulator import Emulator
from tools.xsoar_local import soak_verdict as verdict
from tools.xsoar_local.engine import ROOT, Engine, RunResult
from tools.xsoar_local.mirroring import Mirroring, PlatformVariant
from tools.xsoar_local.playbooks import run_playbook

INSTANCE, COLLECTOR_INSTANCE, DATASET = "vectra", "vectra_events", "vectra_rux_raw"
INTEGRATIONS = ROOT / "Packs" / "VectraRUX" / "Integrations"
PLAYBOOK = "Expire Inactive Detections - Vectra RUX"
BUTTONS = ("Sync Detection Notes", "Sync Detection Summary and EDR Process Context", "Sync Entity Assignment",
           "Link Incidents for this Entity", "Link Incidents for this External Reference ID")
STATUSES = ("open", "acknowledged", "escalated")
# Failures the pack reports on purpose and that no retry can fix: a War Room note longer than Vectra accepts.
BY_DESIGN = re.compile(r"Vectra accepts at most \d+")
TOO_LONG = 9000


@dataclass
class SoakPlan:
    minutes: float = 10.0
    seed: int = 7
    token_ttl: int = 30          # seconds an access token lives
    refresh_ttl: int = 150       # seconds a refresh token lives: several client-credentials grants per soak
    fetch_every: float = 3.0
    collect_every: float = 4.0
    mirror_pause: float = 0.3
    analyst_every: float = 2.0
    world_every: float = 1.5
    fault_every: float = 9.0
    playbook_every: float = 60.0
    settle_rounds: int = 12
    failed_cycle: str = "asks-again"      # the platform's mirroring job, where nothing records what it does
    closed_incidents: str = "mirrored"    # (tools.xsoar_local.mirroring.PlatformVariant)

    @property
    def variant(self) -> PlatformVariant:
        return PlatformVariant(self.failed_cycle, self.closed_incidents)


@dataclass
class Action:
    """What the analyst stream did, kept so that what failed can be tried again at the end, as an analyst would."""
    kind: str
    target: str
    args: dict
    ok: bool = True
    error: str = ""


@dataclass
class Tally:
    mirror_cycles: int = 0
    world_changes: dict[str, int] = field(default_factory=dict)
    analyst_actions: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)
    harness_errors: list[str] = field(default_factory=list)  # a stream's own crash: the soak is void

    def count(self, kind: str, name: str) -> None:
        bucket = getattr(self, kind)
        bucket[name] = bucket.get(name, 0) + 1


class Soak:
    def __init__(self, plan: SoakPlan, state_dir: Path):
        self.plan = plan
        self.state_dir = state_dir
        self.tally = Tally()
        self.actions: list[Action] = []
        self._lock = threading.Lock()
        self._stop_streams = threading.Event()
        self._stop_jobs = threading.Event()
        shutil.rmtree(state_dir, ignore_errors=True)
        self.vectra = Emulator(seed=plan.seed, entities=30, detections=40, events=200, history_hours=24,
                               token_ttl=plan.token_ttl, refresh_ttl=plan.refresh_ttl)
        self.engine = Engine(state_dir=state_dir, isolation="process")
        self.mirroring = Mirroring(self.engine, INSTANCE, plan.variant)

    # --- staging --------------------------------------------------------------------------------------------

    def _configure(self) -> None:
        self.engine.set_instance(INSTANCE, INTEGRATIONS / "VectraRUX", self.vectra.instance_params(
            isFetch=True, first_fetch="3 days", max_fetch="50", mirror_direction="Incoming And Outgoing",
            close_incident_on_detection_closure=True))
        self.engine.set_instance(COLLECTOR_INSTANCE, INTEGRATIONS / "VectraRUXEventCollector",
                                 self.vectra.instance_params(isFetchEvents=True, first_fetch="3 days"))

    def run(self) -> dict[str, Any]:
        with self.vectra:
            self._configure()
            started = time.monotonic()
            streams = [self._thread("world", self.plan.world_every, self._world_step, self._stop_streams),
                       self._thread("analyst", self.plan.analyst_every, self._analyst_step, self._stop_streams),
                       self._thread("faults", self.plan.fault_every, self._fault_step, self._stop_streams),
                       self._thread("playbook", self.plan.playbook_every, self._playbook_step, self._stop_streams)]
            jobs = [self._thread("fetch", self.plan.fetch_every, self._fetch_step, self._stop_jobs),
                    self._thread("mirroring", self.plan.mirror_pause, self._mirror_step, self._stop_jobs),
                    self._thread("collector", self.plan.collect_every, self._collect_step, self._stop_jobs)]
            self._stop_streams.wait(self.plan.minutes * 60)
            self._stop_streams.set()
            for thread in streams:
                thread.join()
            self._stop_jobs.set()
            for thread in jobs:
                thread.join()
            busy_seconds = time.monotonic() - started
            self._quiesce()
            return self._report(busy_seconds, time.monotonic() - started)

    def _thread(self, name: str, every: float, step: Callable[[random.Random], None], stop: threading.Event
                ) -> threading.Thread:
        rng = random.Random(f"{self.plan.seed}-{name}")  # noqa: S311 - a reproducible plan, not security

        def loop() -> None:
            while not stop.is_set():
                try:
                    step(rng)
                except Exception:  # the harness's own bug: reported, and the soak fails
                    with self._lock:
                        self.tally.harness_errors.append(f"{name}: {traceback.format_exc(limit=4)}")
                stop.wait(every * rng.uniform(0.5, 1.5))

        thread = threading.Thread(target=loop, name=f"soak-{name}", daemon=True)
        thread.start()
        return thread

    # --- the platform's jobs --------------------------------------------------------------------------------

    def _fetch_step(self, rng: random.Random) -> None:
        self.engine.run(INSTANCE, "fetch-incidents")

    def _mirror_step(self, rng: random.Random) -> None:
        self.mirroring.cycle()
        with self._lock:
            self.tally.mirror_cycles += 1

    def _collect_step(self, rng: random.Random) -> None:
        self.engine.run(COLLECTOR_INSTANCE, "fetch-events")

    # --- the analysts and playbooks -------------------------------------------------------------------------

    def _incidents(self, closed: bool | None = None) -> list[dict]:
        found = self.engine.store.incidents(instance=INSTANCE)
        return [i for i in found if closed is None or (i.get("status") == 2) == closed]

    def _analyst_step(self, rng: random.Random) -> None:
        open_incidents, closed = self._incidents(closed=False), self._incidents(closed=True)
        if not open_incidents:
            return
        incident = rng.choice(open_incidents)
        choices: list[tuple[float, Callable[[random.Random, dict], None]]] = [
            (3, self._edit_status), (2, self._edit_reference), (3, self._edit_tags), (4, self._war_room_note),
            (0.4, self._too_long_note), (1.5, self._close), (2, self._button), (4, self._command)]
        if closed:
            choices.append((1.5, lambda r, _: self._reopen(r, r.choice(closed))))
        weights, actions = zip(*choices, strict=True)
        rng.choices(actions, weights)[0](rng, incident)

    def _act(self, kind: str, target: str, args: dict, do: Callable[[], Any]) -> None:
        """Do it and keep it; a run (command, button, playbook) can fail, an edit in XSOAR's own UI cannot."""
        result = do()
        failed = isinstance(result, RunResult) and not result.ok
        action = Action(kind, target, args, ok=not failed, error=result.error if failed else "")
        with self._lock:
            self.actions.append(action)
            self.tally.count("analyst_actions", kind)

    def _edit(self, kind: str, incident: dict, changes: dict) -> None:
        self._act(kind, incident["id"], changes, lambda: self.engine.edit_incident(incident["id"], changes))

    def _edit_status(self, rng: random.Random, incident: dict) -> None:
        self._edit("field: investigation status", incident, {"vectraruxinvestigationstatus": rng.choice(STATUSES)})

    def _edit_reference(self, rng: random.Random, incident: dict) -> None:
        self._edit("field: external reference ID", incident, {"vectraruxexternalreferenceid": f"INC-{rng.randint(1, 9999)}"})

    def _edit_tags(self, rng: random.Random, incident: dict) -> None:
        tags = list(incident.get("tags") or [])
        tags = [t for t in tags if t != rng.choice(tags)] if tags and rng.random() < 0.4 else [*tags, f"soc-{rng.randint(1, 40)}"]
        self._edit("field: tags", incident, {"tags": sorted(set(tags))})

    def _war_room_note(self, rng: random.Random, incident: dict) -> None:
        text = f"SOC note {rng.getrandbits(32):08x}: checked the host"
        self._act("War Room note", incident["id"], {"text": text},
                  lambda: self.engine.add_note(incident["id"], text, tags=["note"]))

    def _too_long_note(self, rng: random.Random, incident: dict) -> None:
        text = f"pasted log {rng.getrandbits(32):08x} " + "x" * TOO_LONG
        self._act("War Room note too long for Vectra", incident["id"], {},
                  lambda: self.engine.add_note(incident["id"], text, tags=["note"]))

    def _close(self, rng: random.Random, incident: dict) -> None:
        self._act("close incident", incident["id"], {},
                  lambda: self.engine.close_incident(incident["id"], "Resolved", "handled in the soak"))

    def _reopen(self, rng: random.Random, incident: dict) -> None:
        self._act("reopen incident", incident["id"], {}, lambda: self.engine.reopen_incident(incident["id"]))

    def _button(self, rng: random.Random, incident: dict) -> None:
        label = rng.choice(BUTTONS)
        self._act(f"button: {label}", incident["id"], {"label": label},
                  lambda: self.engine.press_button(incident["id"], label))

    def _command(self, rng: random.Random, incident: dict) -> None:
        """A command typed in the incident's War Room (or run by a playbook task) on the incident's detection."""
        detection = incident["dbotMirrorId"]
        command, args = rng.choice([
            ("vectra-detection-tag-add", {"detection_id": detection, "tags": f"ir-{rng.randint(1, 20)}"}),
            ("vectra-detection-tag-remove", {"detection_id": detection, "tags": f"ir-{rng.randint(1, 20)}"}),
            ("vectra-detection-note-add", {"detection_id": detection, "note": f"playbook note {rng.getrandbits(32):08x}"}),
            ("vectra-detection-investigation-status-update", {"detection_ids": detection,
                                                              "investigation_status": rng.choice(STATUSES)}),
            ("vectra-detection-external-id-update", {"detection_ids": detection,
                                                     "external_reference_id": f"TICKET-{rng.randint(1, 999)}"}),
            ("vectra-detections-mark-asclosed", {"detection_ids": detection, "close_reason": "benign"}),
            ("vectra-detections-mark-asopen", {"detection_ids": detection}),
            ("vectra-detection-describe", {"detection_ids": detection}),
            ("vectra-entity-describe", {"entity_id": incident["CustomFields"].get("vectraruxentityid") or "",
                                        "entity_type": incident["CustomFields"].get("vectraruxentitytype") or ""}),
        ])
        self._act(f"command: {command}", incident["id"], {"command": command, **args},
                  lambda: self.engine.run(INSTANCE, command, args, incident_id=incident["id"]))

    def _playbook_step(self, rng: random.Random) -> None:
        self._act("playbook: " + PLAYBOOK, "", {}, lambda: self._playbook())

    def _playbook(self) -> RunResult:
        run = run_playbook(self.engine, PLAYBOOK)
        return RunResult(instance="", command=PLAYBOOK, ok=run.ok, error=run.error or "")

    def _retry(self, action: Action) -> RunResult | None:
        """What an analyst does about a command or button that failed: run it again."""
        if action.kind.startswith("button: "):
            return self.engine.press_button(action.target, action.args["label"])
        if action.kind.startswith("command: "):
            args = {k: v for k, v in action.args.items() if k != "command"}
            return self.engine.run(INSTANCE, action.args["command"], args, incident_id=action.target)
        if action.kind.startswith("playbook: "):
            return self._playbook()
        return None

    # --- Vectra's world -------------------------------------------------------------------------------------

    def _world_step(self, rng: random.Random) -> None:
        world = self.vectra.world
        with world.lock:
            detections = list(world.detections.values())
            entities = list(world.entities.values())
        active = [d.id for d in detections if d.state == "active"]
        fixed = [d.id for d in detections if d.state == "fixed"]
        changes: list[tuple[float, str, Callable[[], Any]]] = [
            (3, "new detections", lambda: world.add_detections(rng.randint(1, 2))),
            (2, "observations", lambda: world.add_observations([rng.choice(active)])),
            (2, "status", lambda: world.analyst_set_status([rng.choice(active)], rng.choice(STATUSES))),
            (2, "note", lambda: world.analyst_add_note(rng.choice(active), f"Vectra note {rng.getrandbits(32):08x}")),
            (1.5, "tags", lambda: self._vectra_tags(rng, rng.choice(active))),
            (0.8, "close", lambda: world.close_detections([rng.choice(active)], rng.choice(["benign", "remediated"]))),
            (0.8, "reopen", lambda: world.open_detections([rng.choice(fixed)]) if fixed else None),
            (0.4, "triage", lambda: world.triage_detections([rng.choice(active)])),
            (0.4, "inactive", lambda: world.make_inactive([rng.choice(active)])),
            (0.6, "urgency", lambda: self._urgency(rng, entities)),
            (0.5, "lockdown", lambda: self._lockdown(rng, entities)),
            (0.3, "health", lambda: world.set_health(sensor_down=rng.random() < 0.5, disk_percent=rng.randint(30, 95))),
        ]
        if not active:
            changes = changes[:1]
        weights = [weight for weight, _, _ in changes]
        _, name, change = rng.choices(changes, weights)[0]
        change()
        with self._lock:
            self.tally.count("world_changes", name)

    def _vectra_tags(self, rng: random.Random, detection_id: int) -> None:
        tags = self.vectra.world.get_tags("detection", detection_id)
        tags = tags[1:] if tags and rng.random() < 0.4 else [*tags, f"vectra-{rng.randint(1, 30)}"]
        self.vectra.world.replace_tags("detection", detection_id, sorted(set(tags)))

    def _urgency(self, rng: random.Random, entities: list) -> None:
        entity = rng.choice(entities)
        self.vectra.world.set_entity_urgency(entity.type, entity.id, rng.randint(10, 95))

    def _lockdown(self, rng: random.Random, entities: list) -> None:
        locked = self.vectra.world.lockdown_list()
        if locked and rng.random() < 0.5:
            entry = rng.choice(locked)
            self.vectra.world.unlock_entity(entry["type"], entry["entity_id"])
        else:
            entity = rng.choice(entities)
            self.vectra.world.lock_entity(entity.type, entity.id, hours=rng.choice([1, 4, 24]))

    # --- faults ---------------------------------------------------------------------------------------------

    def _fault_step(self, rng: random.Random) -> None:
        faults, tokens, store = self.vectra.faults, self.vectra.tokens, self.engine.store
        episodes: list[tuple[str, Callable[[], Any]]] = [
            ("429 burst", lambda: faults.configure(rate_limit_requests=rng.randint(2, 5), retry_after_s=rng.randint(1, 2))),
            ("5xx", lambda: faults.configure(server_error_requests=rng.randint(1, 3),
                                             server_error_status=rng.choice([500, 502, 503]))),
            ("outage", lambda: self._outage(rng.uniform(10, 25))),
            ("slow answers", lambda: faults.configure(slow_requests=rng.randint(1, 3), slow_s=rng.uniform(1, 3))),
            ("dropped connection", lambda: faults.configure(drop_connections=1)),
            ("refresh refused", lambda: faults.configure(refuse_refresh_requests=rng.randint(1, 2))),
            ("tokens revoked", tokens.expire_access_tokens),
            ("collector 429", lambda: store.queue_collector_answers([{"status": 429, "json": {"error": "throttled"}}] * 2)),
            ("collector 500", lambda: store.queue_collector_answers([{"status": 500, "json": {"error": "down"}}])),
            ("collector answer lost", lambda: store.queue_collector_answers([{"lost": True}])),
        ]
        name, start = rng.choice(episodes)
        start()
        with self._lock:
            self.tally.count("faults", name)

    def _outage(self, seconds: float) -> None:
        """Vectra answers 503 to everything for a while: longer than a run's retries last, so runs fail."""
        self.vectra.faults.configure(server_error_requests=1_000_000, server_error_status=503)
        self._stop_streams.wait(seconds)
        self.vectra.faults.configure(server_error_requests=0)

    # --- the end --------------------------------------------------------------------------------------------

    def _quiesce(self) -> None:
        """Faults off; the analyst retries what failed; then the platform's jobs run until nothing is left to move."""
        self.vectra.faults.clear()
        while self.engine.store.take_collector_answer() is not None:
            pass
        for action in [a for a in self.actions if not a.ok]:
            retried = self._retry(action)
            action.ok = retried is None or retried.ok
        for _ in range(self.plan.settle_rounds):
            outgoing = self.mirroring.outgoing()
            fetched = self.engine.run(INSTANCE, "fetch-incidents")
            incoming = self.mirroring.incoming()
            if not (outgoing.outgoing_calls or fetched.incidents or incoming.remote_data_calls):
                break
        for _ in range(self.plan.settle_rounds):
            posts = len(self.engine.store.collector_posts())
            self.engine.run(COLLECTOR_INSTANCE, "fetch-events")
            if len(self.engine.store.collector_posts()) == posts:
                break

    def _report(self, busy_seconds: float, seconds: float) -> dict[str, Any]:
        world, store = self.vectra.world, self.engine.store
        runs = store.runs()
        lifetime = self.plan.token_ttl - min(60, self.plan.token_ttl / 4)  # as the pack's usable_until
        since = (world.now() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        checks = {
            "incidents": verdict.incident_verdict(world, store, INSTANCE),
            "mismatches": verdict.side_verdict(world, store, INSTANCE, self.plan.closed_incidents == "mirrored"),
            "echoes": {"problems": verdict.echoes(world, store, INSTANCE)},
            "runs": verdict.runs_verdict(runs, BY_DESIGN),
            "tokens": verdict.token_verdict(runs, seconds, lifetime, dict(self.vectra.tokens.issued)),
            "context": verdict.context_verdict(runs, store),
            "events": verdict.events_verdict(world, store, DATASET, since),
        }
        unretried = [f"{a.kind} on incident {a.target}: {a.error[:200]}" for a in self.actions if not a.ok]
        checks["analyst"] = {"actions": len(self.actions), "problems": unretried}
        checks["harness"] = {"problems": list(self.tally.harness_errors)}
        problems = {name: check["problems"] for name, check in checks.items() if check["problems"]}
        return {
            "plan": asdict(self.plan),
            "passed": not problems,
            "seconds": {"streams": round(busy_seconds, 1), "total": round(seconds, 1)},
            "figures": {
                "mirror_cycles": self.tally.mirror_cycles,
                "runs_per_job": checks["runs"]["jobs"],
                "incidents": checks["incidents"]["incidents"],
                "qualifying_detections": checks["incidents"]["qualifying_detections"],
                "detections_in_vectra": len(world.detections),
                "duplicate_incidents": checks["incidents"]["duplicates"],
                "mismatches": len(checks["mismatches"]["problems"]),
                "echoes": len(checks["echoes"]["problems"]),
                "token_requests": checks["tokens"]["requests"],
                "events": checks["events"],
                "world_changes": self.tally.world_changes,
                "analyst_actions": self.tally.analyst_actions,
                "faults": self.tally.faults,
            },
            "checks": checks,
            "problems": problems,
        }


def summary(report: dict) -> str:
    """The figures a reader wants first, one per line."""
    figures = report["figures"]
    events = figures["events"]
    lines = [f"soak: {'PASSED' if report['passed'] else 'FAILED'} after {report['seconds']['total']} s "
             f"({report['plan']['minutes']} min of streams, seed {report['plan']['seed']})",
             f"mirror cycles {figures['mirror_cycles']}; incidents {figures['incidents']} for "
             f"{figures['qualifying_detections']} qualifying detections; duplicates {figures['duplicate_incidents']}; "
             f"mismatches {figures['mismatches']}; echoes {figures['echoes']}",
             f"events collected {sum(events['collected'].values())}; lost {events['lost']}; duplicates "
             f"{events['duplicates']} (explained by lost answers: {events['duplicates_explained_by_lost_answers']})",
             f"token requests {figures['token_requests']}; context "
             + json.dumps(report["checks"]["context"]["instances"])]
    for job, row in figures["runs_per_job"].items():
        lines.append(f"  {job}: {row['runs']} runs, {row['failed']} failed, {row['recovered']} recovered, "
                     f"{row['by_design']} refused by design")
    for check, problems in report["problems"].items():
        lines += [f"PROBLEM {check}: {problem}" for problem in problems[:10]]
    return "\n".join(lines)


def run_soak(plan: SoakPlan, state_dir: Path, out: Path) -> dict[str, Any]:
    report = Soak(plan, state_dir).run()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    return report
