"""The published Vectra RUX integration (pack 1.0.x) as far as an upgrade meets it: its fetch, played against the
emulator over HTTP from its documented behaviour (shared/reference/vectra-api.md, "How the official RUX integration
uses all this"), leaving incidents in the engine, its last run and its integration context in the published
formats. Used to prove that this integration continues from that state.

Each run: one request to /events/detections with the instance's filters (`type`, `investigation_status`, optionally
`unresolved_priority`), `limit` = Max Fetch, `ordering=id`, `size=detailed`, `include_triaged=false`,
`include_info_category=true`, `from` = the saved checkpoint and `event_timestamp_gte` = the last event's timestamp
(or First Fetch Time); events of detections in `was_fetched` are skipped, every other one creates an incident.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tools.vectra_emulator.fixtures import ApiSession

STATUSES = "acknowledged,escalated,open,paused"


@dataclass
class PublishedIntegration:
    api: ApiSession
    first_fetch: str  # RFC 3339
    max_fetch: int = 50
    types: str = "account,host"
    statuses: str = STATUSES
    unresolved_priority: bool = False
    last_run: dict = field(default_factory=dict)
    incidents: list[dict] = field(default_factory=list)

    def fetch(self) -> list[dict]:
        params: dict[str, Any] = {
            "type": self.types, "investigation_status": self.statuses, "limit": self.max_fetch, "ordering": "id",
            "size": "detailed", "include_triaged": "false", "include_info_category": "true",
            "event_timestamp_gte": self.last_run.get("event_timestamp") or self.first_fetch,
        }
        if self.last_run.get("from") is not None:
            params["from"] = self.last_run["from"]
        if self.unresolved_priority:
            params["unresolved_priority"] = "true"
        page = self.api.events(**params)
        fetched = list(self.last_run.get("was_fetched", []))
        created = []
        for event in page["events"]:
            if event["detection_id"] not in fetched:
                fetched.append(event["detection_id"])
                created.append(self.incident(event))
        last_timestamp = page["events"][-1]["event_timestamp"] if page["events"] else self.last_run.get("event_timestamp")
        self.last_run = {"from": page["next_checkpoint"], "event_timestamp": last_timestamp, "was_fetched": fetched,
                         "selected_types": self.types, "selected_statuses": self.statuses,
                         "unresolved_priority": str(self.unresolved_priority).lower()}
        self.incidents += created
        return created

    @staticmethod
    def incident(event: dict) -> dict:
        raw = {**event, "mirror_direction": "Both", "mirror_instance": "vectra", "mirror_tags": ["note"],
               "mirror_id": str(event["detection_id"])}
        return {"name": f"Vectra RUX: {event.get('category')} - {event.get('detection_type')} - {event.get('entity_name')}",
                "occurred": event.get("event_timestamp"), "rawJSON": json.dumps(raw), "severity": 1,
                "dbotMirrorId": str(event["detection_id"])}

    def context(self) -> dict:
        """Its integration context: the tokens, as plain strings."""
        grant = self.api.authenticate()
        return {"access_token": grant["access_token"], "refresh_token": grant["refresh_token"]}
