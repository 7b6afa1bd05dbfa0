"""The soak's verdict: the engine's state (incidents, War Rooms, datasets, run log) against the emulator's own record
of the world. Each check returns figures and a list of problems; the soak passes when every list is empty.

Used by `tools.xsoar_local.soak` and by the end-to-end mirroring tests, so both judge the same way.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from typing import Any

from tools.vectra_emulator.expected import PAGED_STREAMS, qualifying_detections, stream_ids, triaged_detections
from tools.vectra_emulator.world import World
from tools.xsoar_local.store import Store

FROM_XSOAR, FROM_VECTRA = "[Mirrored From XSOAR]", "[Mirrored From Vectra]"
NOTE_LIMIT = 8000  # Vectra's note length: longer War Room notes are refused, loudly, and never reach Vectra
WRAPPING = 200  # what the mirrored note's header adds around the analyst's text
TOKEN_REQUEST = re.compile(r"^\[Token Request\] (refresh_token|client_credentials) grant$")
TOKEN_REASON = re.compile(r"^\[Token Request\] access token (.+); asking Vectra for a new one$")
CONTEXT_RETRY = re.compile(r"^\[Context\] write conflict, attempt (\d+) of \d+")
JOBS = {"fetch-incidents": "fetch", "fetch-events": "collector", "get-modified-remote-data": "mirroring",
        "get-remote-data": "mirroring", "update-remote-system": "mirroring"}


def _text(entry: dict) -> str:
    contents = entry.get("Contents")
    return contents if isinstance(contents, str) else ""


def by_detection(store: Store, instance: str) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = defaultdict(list)
    for incident in store.incidents(instance=instance):
        found[int(incident["dbotMirrorId"])].append(incident)
    return found


def incident_verdict(world: World, store: Store, instance: str) -> dict[str, Any]:
    """One incident per qualifying detection: none missing, none twice; an incident whose detection no longer
    qualifies is explained only by a triage that came after the fetch."""
    incidents = by_detection(store, instance)
    qualifying = qualifying_detections(world)
    extra = sorted(set(incidents) - qualifying)
    unexplained = sorted(set(extra) - triaged_detections(world))
    duplicates = {detection: len(found) - 1 for detection, found in incidents.items() if len(found) > 1}
    problems = [f"detection {d}: no incident" for d in sorted(qualifying - set(incidents))]
    problems += [f"detection {d}: {n + 1} incidents" for d, n in duplicates.items()]
    problems += [f"detection {d}: an incident, but it never qualified" for d in unexplained]
    return {"incidents": sum(map(len, incidents.values())), "qualifying_detections": len(qualifying),
            "duplicates": sum(duplicates.values()), "triaged_after_fetch": len(extra) - len(unexplained),
            "problems": problems}


def side_verdict(world: World, store: Store, instance: str, closed_mirrored: bool = True) -> dict[str, Any]:
    """Incident and detection agree on status, external reference ID, tags, closed state and notes (both ways).
    Differences that are the platform's, and explained:
    - incoming mirroring cannot clear a field, so when Vectra's tag list becomes empty the incident keeps the last
      tags Vectra had;
    - where the platform does not mirror into closed incidents (`closed_mirrored` False), a closed incident cannot
      follow what Vectra changed after it was closed (a reopen included): its differences are explained when the
      detection has an event after the incident's close — never a note twice, nor a War Room note missing in Vectra."""
    problems, explained = [], Counter[str]()
    tags_ever = _tags_ever(world)
    changed_since = _latest_event_times(world)
    for detection_id, incidents in by_detection(store, instance).items():
        detection = world.detections[detection_id]
        for incident in incidents:
            kept = _last_tags_kept(detection, incident, tags_ever.get(detection_id, set()))
            if kept:
                explained["tags cleared in Vectra, the last ones kept in XSOAR"] += 1
            found = _pair_mismatches(detection, incident, store, kept)
            if not closed_mirrored and _closed_before(incident, changed_since.get(detection_id, "")):
                unseen = [problem for kind, problem in found if kind in UNSEEN_WHILE_CLOSED]
                if unseen:
                    explained["changed in Vectra after the incident was closed (no mirroring into closed incidents)"] \
                        += len(unseen)
                found = [(kind, problem) for kind, problem in found if kind not in UNSEEN_WHILE_CLOSED]
            problems += [f"detection {detection_id}: {problem}" for _, problem in found]
    return {"problems": problems, "explained": dict(explained), "traces": _traces(world, problems)}


# What an incident closed in XSOAR cannot receive when the platform does not mirror into closed incidents.
UNSEEN_WHILE_CLOSED = ("field", "state", "missing Vectra note")


def _latest_event_times(world: World) -> dict[int, str]:
    latest: dict[int, str] = {}
    with world.lock:
        for stored in world.events:
            latest[stored.detection_id] = max(latest.get(stored.detection_id, ""), stored.timestamp)
    return latest


def _closed_before(incident: dict, latest_event: str) -> bool:
    """The incident is closed and its detection had an event at or after the close (Vectra's times are whole seconds)."""
    closed = str(incident.get("closed") or "")
    return incident.get("status") == 2 and bool(closed) and bool(latest_event) and latest_event >= closed[:19] + "Z"


def side_mismatches(world: World, store: Store, instance: str) -> list[str]:
    return side_verdict(world, store, instance)["problems"]


def _tags_ever(world: World) -> dict[int, set[str]]:
    """Every tag each detection had at some event."""
    found: dict[int, set[str]] = defaultdict(set)
    with world.lock:
        for stored in world.events:
            found[stored.detection_id].update(json.loads(stored.detailed).get("tags") or [])
    return found


def _last_tags_kept(detection: Any, incident: dict, tags_ever: set[str]) -> bool:
    """Vectra's list is empty now and XSOAR shows tags the detection had in Vectra: the platform cannot clear a
    field through incoming mirroring."""
    shown = set(incident.get("tags") or [])
    return not detection.tags and bool(shown) and shown <= tags_ever


def _traces(world: World, problems: list[str]) -> dict[str, list]:
    """The emulator's events of each detection with a problem: what Vectra did, to read beside the run log."""
    ids = sorted({int(m.group(1)) for p in problems if (m := re.match(r"detection (\d+):", p))})
    with world.lock:
        events = {i: [(e.id, e.change_type, e.timestamp, json.loads(e.detailed)) for e in world.events if e.detection_id == i]
                  for i in ids[:20]}
    return {str(i): [{"id": event_id, "change_type": change, "timestamp": stamp, "tags": d.get("tags"),
                      "status": d.get("investigation_status"), "state": d.get("state"), "notes": len(d.get("notes") or [])}
                     for event_id, change, stamp, d in found] for i, found in events.items()}


def _pair_mismatches(detection: Any, incident: dict, store: Store, last_tags_kept: bool) -> list[tuple[str, str]]:
    """(kind, problem): "field" and "state" differences, Vectra notes missing from the War Room or there twice, War
    Room notes not in Vectra exactly once."""
    fields = incident.get("CustomFields") or {}
    problems = []
    if fields.get("vectraruxinvestigationstatus") != detection.investigation_status:
        problems.append(("field", f"status {fields.get('vectraruxinvestigationstatus')!r} in XSOAR, "
                                  f"{detection.investigation_status!r} in Vectra"))
    if (fields.get("vectraruxexternalreferenceid") or None) != detection.external_reference_id:
        problems.append(("field", f"external reference ID {fields.get('vectraruxexternalreferenceid')!r} in XSOAR, "
                                  f"{detection.external_reference_id!r} in Vectra"))
    if set(incident.get("tags") or []) != set(detection.tags) and not last_tags_kept:
        problems.append(("field", f"tags {sorted(incident.get('tags') or [])} in XSOAR, {sorted(detection.tags)} in Vectra"))
    if (incident.get("status") == 2) != (detection.state == "fixed"):
        problems.append(("state", f"incident status {incident.get('status')}, detection state {detection.state!r}"))
    entries = store.entries(incident["id"])
    war_room = [_text(e) for e in entries]
    known_at_creation = _creation_notes(incident)
    for note in (n["note"] for n in detection.notes if not str(n["note"]).startswith(FROM_XSOAR)):
        copies = sum(text.startswith(FROM_VECTRA) and f"Note: {note}\n" in text for text in war_room)
        if copies > 1:
            problems.append(("Vectra note twice", f"Vectra note {note[:40]!r} is {copies} times in the War Room"))
        elif copies == 0 and note not in known_at_creation:
            problems.append(("missing Vectra note", f"Vectra note {note[:40]!r} is 0 times in the War Room"))
    for entry in entries:
        text = _text(entry)
        if "note" in (entry.get("Tags") or []) and len(text) + WRAPPING < NOTE_LIMIT:
            copies = sum(f"Note: {text}\n" in str(n["note"]) for n in detection.notes)
            if copies != 1:
                problems.append(("War Room note", f"War Room note {text[:40]!r} is {copies} times in Vectra"))
    return problems


def _creation_notes(incident: dict) -> set[str]:
    """Notes the detection had in the event the incident was made from: they are in the incident from the start
    (its fields, the Sync Detection Notes button), so the War Room may have them once or not at all."""
    try:
        raw = json.loads(incident.get("rawJSON") or "{}")
    except ValueError:
        return set()
    return {str(note.get("note")) for note in raw.get("notes") or [] if isinstance(note, dict)}


def echoes(world: World, store: Store, instance: str) -> list[str]:
    """A note carried back to the side it came from."""
    found = [f"detection {d.id}: a note mirrored from Vectra came back to Vectra"
             for d in world.detections.values() if any(str(n["note"]).startswith(FROM_VECTRA) for n in d.notes)]
    for incident in store.incidents(instance=instance):
        found += [f"incident {incident['id']}: a note mirrored from XSOAR came back to the War Room"
                  for e in store.entries(incident["id"]) if _text(e).startswith(FROM_VECTRA) and FROM_XSOAR in _text(e)]
    return found


def job_of(run: dict) -> str:
    return JOBS.get(run["command"], "analyst")


def runs_verdict(runs: list[dict], expected_failure: re.Pattern[str]) -> dict[str, Any]:
    """Per job: runs, failures, recoveries. A failed run is recovered by a later successful run of the same command
    (and instance); failures the pack reports by design (`expected_failure`, a refused too-long note) are counted
    apart."""
    figures: dict[str, dict[str, int]] = defaultdict(lambda: {"runs": 0, "failed": 0, "recovered": 0, "by_design": 0})
    last_ok: dict[tuple[str, str], int] = {}
    for index, run in enumerate(runs):
        if run["ok"]:
            last_ok[(run["instance"], run["command"])] = index
    problems = []
    for index, run in enumerate(runs):
        job = figures[job_of(run)]
        job["runs"] += 1
        if run["ok"]:
            continue
        if expected_failure.search(run["error"] or ""):
            job["by_design"] += 1
            continue
        job["failed"] += 1
        if last_ok.get((run["instance"], run["command"]), -1) > index:
            job["recovered"] += 1
        else:
            problems.append(f"{run['command']} failed at {run['started']} and never ran well again: {run['error'][:200]}")
    return {"jobs": dict(figures), "problems": problems}


def token_verdict(runs: list[dict], seconds: float, usable_lifetime: float, issued: dict[str, int]) -> dict[str, Any]:
    """Token requests per instance, by reason. A token running out may cost one request per usable lifetime (+1
    for the first). More are explained only as races: runs of the instance that overlapped in time and both found
    the token expired (each process decides alone; the platform has no lock to share). Requests forced by Vectra
    (a token refused: revoked, or the refresh token refused) are counted apart."""
    per_instance: dict[str, dict[str, Any]] = {}
    problems = []
    for instance in sorted({run["instance"] for run in runs if run["instance"]}):
        reasons: Counter[str] = Counter()
        grants: Counter[str] = Counter()
        lifetime_runs = []
        for run in (r for r in runs if r["instance"] == instance):
            for _, message in run["logs"]:
                if reason := TOKEN_REASON.match(message):
                    reasons[reason.group(1)] += 1
                    if reason.group(1) in ("expired", "none stored"):
                        lifetime_runs.append((run["started"], run["finished"]))
                elif grant := TOKEN_REQUEST.match(message):
                    grants[grant.group(1)] += 1
        allowed = math.ceil(seconds / usable_lifetime) + 1
        races = _overlapping(sorted(lifetime_runs))
        per_instance[instance] = {"requests": sum(grants.values()), "grants": dict(grants), "reasons": dict(reasons),
                                  "allowed_by_lifetime": allowed, "races": races}
        if len(lifetime_runs) - races > allowed:
            problems.append(f"{instance}: {len(lifetime_runs)} requests for expired tokens, {races} of them races; "
                            f"{allowed} lifetimes allow {allowed}")
    requests = sum(v["requests"] for v in per_instance.values())
    if sum(issued.values()) > requests:
        problems.append(f"Vectra issued {sum(issued.values())} tokens, the runs asked for {requests}")
    return {"requests": requests, "issued_by_vectra": dict(issued), "instances": per_instance, "problems": problems}


def _overlapping(intervals: list[tuple[str, str]]) -> int:
    """How many of these runs (started, finished; ISO times, sorted) began while an earlier one was still running."""
    races, running_until = 0, ""
    for started, finished in intervals:
        if started < running_until:
            races += 1
        running_until = max(running_until, finished)
    return races


def context_verdict(runs: list[dict], store: Store) -> dict[str, Any]:
    """Integration context write conflicts (refused by the platform's versioning), the pack's retries of them, and
    the most attempts one write needed; a write that gave up is a problem."""
    per_instance = {}
    problems = []
    for instance in sorted({run["instance"] for run in runs if run["instance"]}):
        attempts = [int(m.group(1)) for run in runs if run["instance"] == instance
                    for _, message in run["logs"] if (m := CONTEXT_RETRY.match(message))]
        per_instance[instance] = {"conflicts": int(store.platform_value(instance, "context_conflicts") or 0),
                                  "retries": len(attempts), "max_attempts": max(attempts, default=0) + 1}
        problems += [f"{instance}: {run['command']} gave up writing the integration context" for run in runs
                     if run["instance"] == instance and "too many concurrent writers" in (run["error"] or "")]
    return {"instances": per_instance, "problems": problems}


def events_verdict(world: World, store: Store, dataset: str, since: str) -> dict[str, Any]:
    """Every event of the paged streams from `since` on reached the dataset; a duplicate is explained only by a post
    whose events the collector stored but whose answer was lost (the sender rightly sends that page again)."""
    expected = stream_ids(world, since)
    lost, duplicates, collected = {}, {}, {}
    for stream in PAGED_STREAMS:
        ids = [event["id"] for event in store.dataset_events(dataset, stream)]
        collected[stream] = len(ids)
        lost[stream] = len(set(expected[stream]) - set(ids))
        duplicates[stream] = len(ids) - len(set(ids))
    snapshots = {stream: len(store.dataset_events(dataset, stream)) for stream in ("lockdown", "health")}
    posts = store.collector_posts()
    unanswered = sum(post["events"] for post in posts if post["status"] == 0)
    problems = [f"{stream}: {count} events lost" for stream, count in lost.items() if count]
    if sum(duplicates.values()) > unanswered:
        problems.append(f"{sum(duplicates.values())} duplicate events; lost answers explain {unanswered}")
    return {"collected": {**collected, **snapshots}, "lost": sum(lost.values()), "duplicates": sum(duplicates.values()),
            "duplicates_explained_by_lost_answers": unanswered, "posts": len(posts), "problems": problems}
