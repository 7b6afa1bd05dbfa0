"""The platform's mirroring job, run against the local engine's state.

Incoming, as XSOAR's job does every minute for an instance:
  get-modified-remote-data(lastUpdate) -> remote IDs that changed
  for each incident mirroring in (direction In/Both) with such an ID: get-remote-data(id, lastUpdate)
  -> the mirrored object goes through the incoming mapper onto the incident (fields the analyst changed and that
     are not yet pushed out stay as they are: XSOAR's dirty fields), and the entries are applied: close
     (`dbotIncidentClose`), reopen (`dbotIncidentReopen`), or War Room entries.
Outgoing, for each incident mirroring out (Out/Both) with queued local changes (Engine.edit_incident, add_note,
close_incident, reopen_incident, and closes/reopens made by incoming mirroring):
  update-remote-system(remoteId, data, delta, entries, status, incidentChanged).
A failed outgoing update leaves an error entry in the incident's War Room, as XSOAR shows mirroring errors, and is
pushed again in the next cycles with the same entries (newer changes added), up to OUTGOING_ATTEMPTS times.

Two things the platform does are recorded nowhere, so the job plays either way (`PlatformVariant`):
  failed_cycle      after an incoming cycle failed (get-modified-remote-data or a get-remote-data), the next cycle
                    asks again from the same lastUpdate ("asks-again"), or from a new one ("moves-on");
  closed_incidents  closed incidents get incoming mirroring ("mirrored": fields, entries, a Vectra reopen reopens
                    them) or none until reopened in XSOAR ("not-mirrored").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from tools.xsoar_local.engine import Engine, RunResult
from tools.xsoar_local.store import now_iso

MIRROR_IN = ("In", "Both")
MIRROR_OUT = ("Out", "Both")
OUTGOING_ATTEMPTS = 3  # a failed update-remote-system is pushed again, with the same entries, up to this often
CLOSED = 2
FAILED_CYCLE = ("asks-again", "moves-on")
CLOSED_INCIDENTS = ("mirrored", "not-mirrored")


@dataclass(frozen=True)
class PlatformVariant:
    """How the platform's mirroring job behaves where nothing records what the real one does."""

    failed_cycle: str = "asks-again"
    closed_incidents: str = "mirrored"

    def __post_init__(self) -> None:
        if self.failed_cycle not in FAILED_CYCLE:
            raise ValueError(f"failed_cycle must be one of {', '.join(FAILED_CYCLE)}; got {self.failed_cycle!r}")
        if self.closed_incidents not in CLOSED_INCIDENTS:
            raise ValueError(f"closed_incidents must be one of {', '.join(CLOSED_INCIDENTS)}; got {self.closed_incidents!r}")

    def mirrors_in(self, incident: dict) -> bool:
        if incident.get("dbotMirrorDirection") not in MIRROR_IN:
            return False
        return self.closed_incidents == "mirrored" or incident.get("status") != CLOSED

    @property
    def name(self) -> str:
        return f"failed cycle {self.failed_cycle}, closed incidents {self.closed_incidents}"


@dataclass
class CycleReport:
    modified_ids: list[str] = field(default_factory=list)
    remote_data_calls: int = 0
    incidents_updated: list[str] = field(default_factory=list)
    entries_added: int = 0
    outgoing_calls: int = 0
    errors: list[str] = field(default_factory=list)


def _flattened(incident: dict) -> dict:
    """An incident as update-remote-system's `data` carries it: custom fields beside the system ones."""
    data = {key: value for key, value in incident.items() if key not in ("CustomFields", "_outgoing", "rawJSON")}
    data.update(incident.get("CustomFields") or {})
    return data


def _modified_ids(result: RunResult) -> list[str]:
    for printed in result.printed:
        if isinstance(printed, dict) and isinstance(printed.get("Contents"), list):
            return [str(item) for item in printed["Contents"]]
    return []


def _remote_data(result: RunResult) -> tuple[dict, list[dict]]:
    """(mirrored object, entries) from what get-remote-data printed: [[object, *entries]] or [None]."""
    for printed in result.printed:
        if isinstance(printed, list) and printed:
            head, *entries = printed
            return (head if isinstance(head, dict) else {}), [e for e in entries if isinstance(e, dict)]
    return {}, []


class Mirroring:
    def __init__(self, engine: Engine, instance: str, variant: PlatformVariant | None = None):
        self.engine = engine
        self.instance = instance
        self.store = engine.store
        self.variant = variant or PlatformVariant()

    # --- incoming ---------------------------------------------------------------------------------------------

    def incoming(self) -> CycleReport:
        report = CycleReport()
        started = now_iso()
        last_update = self.store.platform_value(self.instance, "mirror_last_update") or self._first_last_update()
        modified = self.engine.run(self.instance, "get-modified-remote-data", {"lastUpdate": last_update}, war_room=False)
        if not modified.ok:
            report.errors.append(modified.error)
            return self._ended(report, started)
        report.modified_ids = _modified_ids(modified)
        for remote_id in report.modified_ids:
            for incident in self.store.incidents_by_mirror_id(self.instance, remote_id):
                if not self.variant.mirrors_in(incident):
                    continue
                if not self._pull(incident, report):
                    return self._ended(report, started)  # the platform stops the cycle on an error (rate limit)
        return self._ended(report, started)

    def _ended(self, report: CycleReport, started: str) -> CycleReport:
        """The next cycle asks from this one's start; after a failed cycle, only if the platform moves on."""
        if not report.errors or self.variant.failed_cycle == "moves-on":
            self.store.set_platform_value(self.instance, "mirror_last_update", started)
        return report

    def _first_last_update(self) -> str:
        return (datetime.now(timezone.utc) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _pull(self, incident: dict, report: CycleReport) -> bool:
        args = {"id": incident["dbotMirrorId"], "lastUpdate": incident.get("dbotMirrorLastSync") or incident["created"]}
        result = self.engine.run(self.instance, "get-remote-data", args, war_room=False)
        report.remote_data_calls += 1
        if not result.ok:
            report.errors.append(f"incident {incident['id']}: {result.error}")
            return False
        mirrored, entries = _remote_data(result)
        if mirrored:
            self._apply_fields(incident, mirrored)
        for entry in entries:
            report.entries_added += self._apply_entry(incident["id"], entry)
        self.store.update_incident(incident["id"], {"dbotMirrorLastSync": now_iso()})
        report.incidents_updated.append(incident["id"])
        return True

    def _apply_fields(self, incident: dict, mirrored: dict) -> None:
        instance = self.engine.instance(self.instance)
        mapper = instance.mapper
        if mapper is None:
            return
        system, custom = mapper.apply(mirrored, incident.get("type") or instance.incident_type)
        self.store.update_incident(incident["id"], {**system, "CustomFields": custom}, keep_dirty=True)

    def _apply_entry(self, incident_id: str, entry: dict) -> int:
        contents: Any = entry.get("Contents")
        if isinstance(contents, dict) and contents.get("dbotIncidentClose"):
            self.engine.close_incident(incident_id, contents.get("closeReason") or "Other", contents.get("closeNotes") or "",
                                       user="DBot")
            return 0
        if isinstance(contents, dict) and contents.get("dbotIncidentReopen"):
            self.engine.reopen_incident(incident_id, user="DBot")
            return 0
        self.store.add_entries(incident_id, [entry], source="mirror")
        return 1

    # --- outgoing ---------------------------------------------------------------------------------------------

    def outgoing(self) -> CycleReport:
        """update-remote-system for every incident with queued changes. A failed push is tried again in the next
        cycles with the same entries (and any newer changes), as the platform does, until OUTGOING_ATTEMPTS."""
        report = CycleReport()
        for queued in self.store.incidents(instance=self.instance):
            if not queued.get("_outgoing") or queued.get("dbotMirrorDirection") not in MIRROR_OUT:
                continue
            pending, incident = self.store.take_outgoing(queued["id"])
            if not pending:
                continue
            delta = pending.get("delta") or {}
            args = {"remoteId": incident["dbotMirrorId"], "data": _flattened(incident), "delta": delta,
                    "entries": pending.get("entries") or [], "status": incident.get("status", 1),
                    "incidentChanged": bool(delta)}
            result = self.engine.run(self.instance, "update-remote-system", args, war_room=False)
            report.outgoing_calls += 1
            if not result.ok:
                self._failed_push(incident, pending, result.error, report)
        return report

    def _failed_push(self, incident: dict, pending: dict, error: str, report: CycleReport) -> None:
        attempts = int(pending.get("attempts") or 0) + 1
        report.errors.append(f"incident {incident['id']}: {error}")
        retry = attempts < OUTGOING_ATTEMPTS
        if retry:
            self.store.add_outgoing(incident["id"], pending.get("delta"), pending.get("entries"), attempts)
        note = f"Outgoing mirroring failed (attempt {attempts} of {OUTGOING_ATTEMPTS}" + (
            "; it is tried again in the next cycle" if retry else "; given up") + f"): {error}"
        self.store.add_entries(incident["id"], [{"Type": 4, "ContentsFormat": "text", "Contents": note}], source="mirror")

    def cycle(self) -> tuple[CycleReport, CycleReport]:
        """One run of the platform's job: local changes out, then remote changes in."""
        return self.outgoing(), self.incoming()
