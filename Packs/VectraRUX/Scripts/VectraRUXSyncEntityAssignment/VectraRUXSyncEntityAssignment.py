"""Incident layout button: the entity's latest Vectra assignment into the Entity Assignment fields."""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

BRAND = "VectraRUXEventsDetections"
FIELDS = {
    "vectraruxentityassignmentid": lambda a: a.get("id"),
    "vectraruxentityassignmentassignedto": lambda a: (a.get("assigned_to") or {}).get("username"),
    "vectraruxentityassignmentassignedby": lambda a: (a.get("assigned_by") or {}).get("username"),
    "vectraruxentityassignmentassigneddate": lambda a: a.get("date_assigned"),
    "vectraruxentityassignmentoutcome": lambda a: (a.get("outcome") or {}).get("title"),
    "vectraruxentityassignmentresolvedby": lambda a: (a.get("resolved_by") or {}).get("username"),
    "vectraruxentityassignmentresolveddate": lambda a: a.get("date_resolved"),
    "vectraruxentityassignmentdetails": lambda a: json.dumps(a, indent=2) if a else "",
}

LABELS = {"vectraruxentityassignmentid": "Assignment ID", "vectraruxentityassignmentassignedto": "Assigned To",
          "vectraruxentityassignmentassignedby": "Assigned By", "vectraruxentityassignmentassigneddate": "Assigned Date",
          "vectraruxentityassignmentoutcome": "Outcome", "vectraruxentityassignmentresolvedby": "Resolved By",
          "vectraruxentityassignmentresolveddate": "Resolved Date"}


def latest_assignment(entity_id: str, entity_type: str) -> dict:
    contents = execute_command("vectra-assignment-list", {"entity_ids": entity_id, "entity_type": entity_type,
                                                          "page_size": "500", "using-brand": BRAND})
    assignments = contents.get("results") or [] if isinstance(contents, dict) else []
    return max(assignments, key=lambda a: (a.get("date_assigned") or "", a.get("id") or 0), default={})


def sync() -> CommandResults:
    fields = demisto.incident().get("CustomFields") or {}
    entity_id, entity_type = fields.get("vectraruxentityid"), fields.get("vectraruxentitytype")
    if not entity_id or entity_type not in ("host", "account"):
        raise DemistoException("This incident has no Vectra entity (Vectra RUX Entity ID and Entity Type are empty).")
    assignment = latest_assignment(str(entity_id), entity_type)
    values = {name: (read(assignment) if assignment else "") or "" for name, read in FIELDS.items()}
    execute_command("setIncident", values)
    if not assignment:
        return CommandResults(readable_output=f"The {entity_type} {entity_id} has no assignment in Vectra: "
                                              "the assignment fields were cleared.")
    shown = {label: values[name] for name, label in LABELS.items()}
    return CommandResults(readable_output=tableToMarkdown(f"Assignment of {entity_type} {entity_id}", shown,
                                                          headers=list(LABELS.values())))


def main() -> None:
    try:
        return_results(sync())
    except Exception as error:
        return_error(f"Failed to execute VectraRUXSyncEntityAssignment. Error: {error}")


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
