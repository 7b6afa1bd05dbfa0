"""What should exist on the XSOAR and XSIAM side, computed from the emulator's own record of the world — never from
the integration's code, so the end-to-end tests and the soak judge the pack against an independent answer."""

from __future__ import annotations

import json

from tools.vectra_emulator.world import World

INACTIVE_STATUSES = ("closed", "expired")
PAGED_STREAMS = ("audits", "detections", "entity_scoring")


def qualifying_detections(world: World, entity_types: tuple[str, ...] = ("host", "account"), prioritized: bool = False,
                          escalated: bool = False, after_event_id: int = 0) -> set[int]:
    """Detections with at least one visible event (not triaged) that qualifies under the fetch filters."""
    wanted = set()
    with world.lock:
        events = list(world.events)
    for stored in events:
        if stored.id <= after_event_id or stored.triaged or stored.entity_type not in entity_types:
            continue
        event = json.loads(stored.detailed)
        status = event["investigation_status"]
        if status in INACTIVE_STATUSES or event["state"] in ("fixed", "closed"):
            continue
        flagged = event["is_prioritized"] or event["unresolved_priority"]
        if (not prioritized and not escalated) or (prioritized and flagged) or (escalated and status == "escalated"):
            wanted.add(stored.detection_id)
    return wanted


def triaged_detections(world: World) -> set[int]:
    """Detections some of whose events were triaged away (an incident made before the triage is explained)."""
    with world.lock:
        return {stored.detection_id for stored in world.events if stored.triaged}


def stream_ids(world: World, since: str) -> dict[str, list]:
    """The event ids each paged stream holds from `since` (ISO time) on."""
    with world.lock:
        return {
            "audits": [e["id"] for e in world.activity.audits if e["event_timestamp"] >= since],
            "detections": [e.id for e in world.events if e.timestamp >= since],
            "entity_scoring": [e["id"] for e in world.activity.scoring if e["event_timestamp"] >= since],
        }
