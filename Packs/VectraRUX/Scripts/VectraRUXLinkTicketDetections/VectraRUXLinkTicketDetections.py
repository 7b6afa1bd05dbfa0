"""Incident layout button: link this incident to the other open incidents with the same External Reference ID."""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *


def main() -> None:
    args = demisto.args()
    try:
        return_results(execute_command("VectraRUXLinkIncidents", {
            "field": "vectraruxexternalreferenceid", "value": args.get("incident_external_reference_id"),
            "label": "External Reference ID",
            "exclude_detection_id": args.get("incident_detection_id")}, extract_contents=False))
    except Exception as error:  # the linking script's own error, as the analyst should read it
        return_error(str(error))


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
