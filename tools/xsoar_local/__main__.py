"""Command line of the local engine.

  python -m tools.xsoar_local run <command> --instance NAME [--arg key=value ...] [--incident ID]
  python -m tools.xsoar_local instance set NAME --integration DIR [--param key=value ...]
  python -m tools.xsoar_local instances
  python -m tools.xsoar_local mirror --instance NAME
  python -m tools.xsoar_local button "<label>" --incident ID
  python -m tools.xsoar_local script NAME [--arg key=value ...] [--incident ID]
  python -m tools.xsoar_local playbook "<name>" [--input key=value ...] [--incident ID]
  python -m tools.xsoar_local incidents [--instance NAME]
  python -m tools.xsoar_local entries [--incident ID]
  python -m tools.xsoar_local events --dataset vectra_rux_raw [--stream audits] [--limit N]
  python -m tools.xsoar_local collector --answer 429 [--times N] | --lost | --clear
  python -m tools.xsoar_local soak [--minutes 10] [--seed 7] [--out build/soak.json]

State lives under --state (default: .state/ in the current directory): the SQLite store `xsoar_local.db` (last
runs, integration contexts, incidents, War Rooms) and the instances file `instances.json`. Each `run` executes the
command in a new interpreter, as XSOAR runs each command in its own process (`--in-process` skips that, for speed).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tools.xsoar_local.engine import Engine, RunResult
from tools.xsoar_local.store import PLAYGROUND

ENTRY_KINDS = {1: "note", 3: "file", 4: "error", 9: "file", 11: "warning"}
SEVERITIES = {0: "Unknown", 0.5: "Info", 1: "Low", 2: "Medium", 3: "High", 4: "Critical"}


def key_values(pairs: list[str] | None, option: str, parse_json: bool = False) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"{option} expects key=value, got {pair!r}")
        if parse_json:
            try:
                values[key] = json.loads(value)
                continue
            except ValueError:
                pass
        values[key] = value
    return values


def render_entry(entry: dict) -> str:
    kind = ENTRY_KINDS.get(entry.get("Type"), f"type {entry.get('Type')}")  # type: ignore[arg-type]
    if kind == "file":
        return f"[file] {entry.get('File')} ({entry.get('FileSize', '?')} bytes) -> {entry.get('FilePath', 'not kept')}"
    body = entry.get("HumanReadable")
    if not body:
        contents = entry.get("Contents")
        body = contents if isinstance(contents, str) else json.dumps(contents, indent=2, ensure_ascii=False)
    return f"[{kind}]\n{body}".rstrip()


def render_incidents(incidents: list[dict]) -> str:
    lines = ["| id | name | severity | mirror id | status |", "|---|---|---|---|---|"]
    for incident in incidents:
        severity = SEVERITIES.get(incident.get("severity"), incident.get("severity"))  # type: ignore[arg-type]
        status = {0: "Pending", 1: "Active", 2: "Closed", 3: "Archived"}.get(incident.get("status", 1), "?")
        mirror_id = incident.get("dbotMirrorId", "")
        lines.append(f"| {incident['id']} | {incident.get('name')} | {severity} | {mirror_id} | {status} |")
    return "\n".join(lines)


def print_result(result: RunResult, verbose: bool) -> None:
    status = "ok" if result.ok else "FAILED"
    where = f"on instance {result.instance!r}" if result.instance else "(script)"
    print(f"== {result.command} {where}: {status} ({result.seconds:.2f}s)")
    if verbose:
        for level, message in result.logs:
            print(f"   {level}: {message}", file=sys.stderr)
    for entry in result.entries:
        print(render_entry(entry))
    if result.command == "fetch-incidents":
        print(f"created {len(result.incidents)} incident(s)")
        if result.incidents:
            print(render_incidents(result.incidents))
    if not result.ok:
        print(f"error: {result.error}")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.xsoar_local", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state", default=".state", help="state folder (default: .state/ in the current directory)")
    parser.add_argument("--config", default=None, help="instances file (default: <state>/instances.json)")
    commands = parser.add_subparsers(dest="action", required=True)

    run = commands.add_parser("run", help="run one integration command")
    run.add_argument("command")
    run.add_argument("--instance", required=True)
    run.add_argument("--arg", action="append", metavar="KEY=VALUE", help="a command argument (repeatable)")
    run.add_argument("--incident", help="run in this incident's war room (its id)")
    run.add_argument("--in-process", action="store_true", help="skip the new interpreter per command")
    run.add_argument("--verbose", action="store_true", help="print the integration's log lines")

    instance = commands.add_parser("instance", help="configure an instance")
    instance.add_argument("verb", choices=["set"])
    instance.add_argument("name")
    instance.add_argument("--integration", required=True, help="integration folder, e.g. Packs/VectraRUX/Integrations/VectraRUX")
    instance.add_argument("--param", action="append", metavar="KEY=VALUE", help="a parameter; JSON values are parsed")

    mirror = commands.add_parser("mirror", help="run one cycle of the platform's mirroring job (outgoing, then incoming)")
    mirror.add_argument("--instance", required=True)
    mirror.add_argument("--in-process", action="store_true", help="skip the new interpreter per command")
    platform_variant_options(mirror)

    button = commands.add_parser("button", help="click a button of an incident's layout")
    button.add_argument("label")
    button.add_argument("--incident", required=True)

    script = commands.add_parser("script", help="run an automation script of the packs")
    script.add_argument("name")
    script.add_argument("--arg", action="append", metavar="KEY=VALUE", help="a script argument (repeatable)")
    script.add_argument("--incident", help="run in this incident (its id); default: the playground")

    playbook = commands.add_parser("playbook", help="run a playbook of the packs")
    playbook.add_argument("name")
    playbook.add_argument("--input", action="append", metavar="KEY=VALUE", help="a playbook input (repeatable)")
    playbook.add_argument("--incident", help="run in this incident (its id); default: the playground")

    commands.add_parser("instances", help="list configured instances")
    incidents = commands.add_parser("incidents", help="list incidents")
    incidents.add_argument("--instance")
    entries = commands.add_parser("entries", help="print a war room")
    entries.add_argument("--incident", default=PLAYGROUND)
    events = commands.add_parser("events", help="print what XSIAM's collector stored in a dataset")
    events.add_argument("--dataset", required=True, help="e.g. vectra_rux_raw")
    events.add_argument("--stream", help="only the events of this source_stream")
    events.add_argument("--limit", type=int, help="at most this many events")
    answers = commands.add_parser("collector", help="queue the XSIAM collector's next answers (a fault switch)")
    chosen = answers.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--answer", type=int, metavar="STATUS", help="answer this HTTP status (429, 500, ...)")
    chosen.add_argument("--lost", action="store_true", help="store the events, then drop the connection unanswered")
    chosen.add_argument("--clear", action="store_true", help="forget the queued answers")
    answers.add_argument("--times", type=int, default=1, help="how many posts get that answer (default 1)")
    soak = commands.add_parser("soak", help="fetch, mirroring, event collection and analysts at once against the "
                               "emulator, with faults; checks both sides at the end (writes build/soak.json)")
    soak.add_argument("--minutes", type=float, default=10.0, help="how long the streams run (default 10)")
    soak.add_argument("--seed", type=int, default=7, help="seed of the emulator's tenant and of every stream (default 7)")
    soak.add_argument("--out", default="build/soak.json", help="where the report goes (default build/soak.json)")
    platform_variant_options(soak)
    return parser.parse_args(argv)


def platform_variant_options(parser: argparse.ArgumentParser) -> None:
    """What the platform's mirroring job does where nothing records it (tools.xsoar_local.mirroring)."""
    from tools.xsoar_local.mirroring import CLOSED_INCIDENTS, FAILED_CYCLE

    parser.add_argument("--failed-cycle", choices=FAILED_CYCLE, default=FAILED_CYCLE[0],
                        help="after a failed incoming cycle the platform asks again from the same lastUpdate, or moves "
                             f"on to a new one (default {FAILED_CYCLE[0]})")
    parser.add_argument("--closed-incidents", choices=CLOSED_INCIDENTS, default=CLOSED_INCIDENTS[0],
                        help="closed incidents get incoming mirroring, or none until reopened (default "
                             f"{CLOSED_INCIDENTS[0]})")


def platform_variant(options: argparse.Namespace) -> Any:
    from tools.xsoar_local.mirroring import PlatformVariant

    return PlatformVariant(options.failed_cycle, options.closed_incidents)


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    if options.action == "soak":
        return soak(options)
    isolation = "module" if getattr(options, "in_process", False) else "process"
    engine = Engine(state_dir=options.state, config_path=options.config, isolation=isolation)
    try:
        if options.action == "run":
            result = engine.run(options.instance, options.command, key_values(options.arg, "--arg"), options.incident)
            print_result(result, options.verbose)
            return 0 if result.ok else 1
        if options.action == "mirror":
            from tools.xsoar_local.mirroring import Mirroring

            outgoing, incoming = Mirroring(engine, options.instance, platform_variant(options)).cycle()
            print(f"outgoing: {outgoing.outgoing_calls} update-remote-system call(s)")
            print(f"incoming: {len(incoming.modified_ids)} changed detection(s), {incoming.remote_data_calls} "
                  f"get-remote-data call(s), {incoming.entries_added} War Room entr(ies)")
            for error in outgoing.errors + incoming.errors:
                print(f"error: {error}")
            return 1 if outgoing.errors or incoming.errors else 0
        if options.action in ("button", "script"):
            if options.action == "button":
                result = engine.press_button(options.incident, options.label)
            else:
                result = engine.run_script(options.name, key_values(options.arg, "--arg"), options.incident)
            print_result(result, verbose=False)
            return 0 if result.ok else 1
        if options.action == "playbook":
            from tools.xsoar_local.playbooks import run_playbook

            run = run_playbook(engine, options.name, options.incident, key_values(options.input, "--input"))
            print(f"== playbook {run.name}: {'ok' if run.ok else 'FAILED'}")
            for task in run.tasks:
                print(f"   {task}")
            if not run.ok:
                print(f"error: {run.error}")
            return 0 if run.ok else 1
        if options.action == "instance":
            configured = engine.set_instance(options.name, options.integration, key_values(options.param, "--param", True))
            print(f"instance {configured.name!r} of {configured.brand} saved in {engine.config_path}")
        elif options.action == "instances":
            for name, entry in engine._config()["instances"].items():
                print(f"{name}: {entry['integration']}")
        elif options.action == "incidents":
            print(render_incidents(engine.store.incidents(instance=options.instance)))
        elif options.action == "entries":
            for entry in engine.store.entries(options.incident):
                print(render_entry(entry))
        elif options.action == "events":
            counts = engine.store.dataset_counts(options.dataset)
            print(f"{options.dataset}: {sum(counts.values())} events ("
                  + ", ".join(f"{stream or 'no stream'} {count}" for stream, count in counts.items()) + ")")
            for event in engine.store.dataset_events(options.dataset, options.stream, options.limit):
                print(json.dumps(event, ensure_ascii=False))
        elif options.action == "collector":
            if options.clear:
                while engine.store.take_collector_answer() is not None:
                    pass
            else:
                answer: dict = {"lost": True} if options.lost else {"status": options.answer, "json": {"error": "refused"}}
                engine.store.queue_collector_answers([answer] * options.times)
            print("collector answers queued" if not options.clear else "collector answers cleared")
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    return 0


def soak(options: argparse.Namespace) -> int:
    """The soak stages its own emulator and engine state (under --state, wiped first; default build/soak-state)."""
    from pathlib import Path

    from tools.xsoar_local.soak import SoakPlan, run_soak, summary

    if options.minutes <= 0:
        print("error: --minutes must be more than 0", file=sys.stderr)
        return 2
    state = Path("build/soak-state" if options.state == ".state" else options.state)
    plan = SoakPlan(minutes=options.minutes, seed=options.seed, failed_cycle=options.failed_cycle,
                    closed_incidents=options.closed_incidents)
    report = run_soak(plan, state, Path(options.out))
    print(summary(report))
    print(f"report: {options.out}")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
