"""A page of open incidents of a type, with their Vectra detection IDs (for the Expire Inactive Detections playbook)."""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *


def number(args: dict, name: str, default: int, low: int, high: int) -> int:
    value = str(args.get(name) or default).strip()
    if not value.isdigit() or not low <= int(value) <= high:
        raise ValueError(f'The argument "{name}" must be a whole number from {low} to {high}; got "{args.get(name)}".')
    return int(value)


def open_incidents(args: dict) -> CommandResults:
    page = number(args, "page", 0, 0, 10**6)
    size = number(args, "page_size", 100, 1, 1000)
    incident_type = args.get("incident_type") or "Vectra RUX Events Detection"
    found = execute_command("getIncidents", {"query": f'type:"{incident_type}" -status:closed -category:job', "page": page,
                                             "size": size}) or {}
    incidents = [{"id": i.get("id"), "name": i.get("name"),
                  "CustomFields": {"vectraruxdetectionid": (i.get("CustomFields") or {}).get("vectraruxdetectionid")}}
                 for i in found.get("data") or []]
    has_more = (page + 1) * size < int(found.get("total") or 0)
    readable = tableToMarkdown(f"Open {incident_type} incidents, page {page} ({len(incidents)} of {found.get('total', 0)})",
                               [{"ID": i["id"], "Name": i["name"], "Detection ID": i["CustomFields"]["vectraruxdetectionid"]}
                                for i in incidents], headers=["ID", "Name", "Detection ID"])
    return CommandResults(outputs={"VectraRUXGetIncidents(val.id && val.id == obj.id)": incidents,
                                   "VectraRUXGetIncidentsPage(true)": {"page": page, "has_more": has_more}},
                          readable_output=readable, raw_response=found)


def main() -> None:
    try:
        return_results(open_incidents(demisto.args()))
    except Exception as error:
        return_error(f"Failed to execute VectraRUXGetIncidents. Error: {error}")


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
