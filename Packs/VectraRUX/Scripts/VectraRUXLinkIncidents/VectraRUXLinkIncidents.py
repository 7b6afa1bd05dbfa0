"""Links the current incident to the other open Vectra RUX incidents that share a field value.

Both link buttons use it: by Vectra entity (ID and type, since host and account IDs overlap) and by External
Reference ID. Closed incidents, job incidents and incidents of the same detection are left out."""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

PAGE_SIZE = 500


def quoted(value: str) -> str:
    return '"' + str(value).replace('"', '\\"') + '"'


def matching_incidents(args: dict, current_id: str) -> list[dict]:
    query = f'type:{quoted(args.get("incident_type") or "Vectra RUX Events Detection")} -status:closed -category:job ' \
            f'{args["field"]}:{quoted(args["value"])}'
    if args.get("also_field") and args.get("also_value"):
        query += f' {args["also_field"]}:{quoted(args["also_value"])}'
    if args.get("exclude_detection_id"):
        query += f' -vectraruxdetectionid:{quoted(args["exclude_detection_id"])}'
    found: list[dict] = []
    page = 0
    while True:
        data = (execute_command("getIncidents", {"query": query, "page": page, "size": PAGE_SIZE}) or {}).get("data") or []
        found.extend(incident for incident in data if str(incident.get("id")) != current_id)
        if len(data) < PAGE_SIZE:
            return found
        page += 1


def link(args: dict) -> CommandResults:
    field_label = args.get("label") or args.get("field")
    if not args.get("value"):
        return CommandResults(readable_output=f"This incident has no {field_label} value to link incidents by.")
    current_id = str(demisto.incident().get("id"))
    others = matching_incidents(args, current_id)
    if not others:
        return CommandResults(readable_output=f"No other open incident has {field_label} {args['value']}.")
    execute_command("linkIncidents", {"incidentId": current_id, "linkedIncidentIDs": ",".join(str(i["id"]) for i in others)})
    rows = [{"Incident": i["id"], "Name": i.get("name"),
             "Detection ID": (i.get("CustomFields") or {}).get("vectraruxdetectionid")} for i in others]
    return CommandResults(readable_output=tableToMarkdown(f"Linked {len(others)} incident(s) with {field_label} {args['value']}",
                                                          rows, headers=["Incident", "Name", "Detection ID"]))


def main() -> None:
    try:
        return_results(link(demisto.args()))
    except Exception as error:
        return_error(f"Failed to execute VectraRUXLinkIncidents. Error: {error}")


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
