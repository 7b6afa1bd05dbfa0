"""Incident layout button: link this incident to the other open incidents of the same Vectra entity."""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *


def main() -> None:
    args = demisto.args()
    entity_type = (demisto.incident().get("CustomFields") or {}).get("vectraruxentitytype")
    try:
        return_results(execute_command("VectraRUXLinkIncidents", {
            "field": "vectraruxentityid", "value": args.get("incident_entity_id"), "label": f"{entity_type or 'entity'}",
            "also_field": "vectraruxentitytype", "also_value": entity_type,  # host and account IDs overlap
            "exclude_detection_id": args.get("incident_detection_id")}, extract_contents=False))
    except Exception as error:  # the linking script's own error, as the analyst should read it
        return_error(str(error))


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
