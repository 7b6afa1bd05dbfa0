"""Incident layout button: the full detection from Vectra into Details and the EDR Process Context fields."""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

BRAND = "VectraRUXEventsDetections"


def describe(detection_id: str) -> dict:
    contents = execute_command("vectra-detection-describe", {"detection_ids": detection_id, "using-brand": BRAND})
    results = contents.get("results") or [] if isinstance(contents, dict) else []
    if not results:
        raise DemistoException(f"Vectra has no detection {detection_id}.")
    return results[0]


def summary_markdown(detection: dict) -> str:
    summary = {key: value for key, value in (detection.get("summary") or {}).items() if value not in (None, "", [], {})}
    parts = [tableToMarkdown(f"Detection {detection.get('id')}: {detection.get('detection_type')}", {
        "State": detection.get("state"), "Investigation Status": detection.get("investigation_status"),
        "Threat": detection.get("threat"), "Certainty": detection.get("certainty"),
        "First Seen": detection.get("first_timestamp"), "Last Seen": detection.get("last_timestamp"),
        "Description": detection.get("description")})]
    if summary:
        parts.append(tableToMarkdown("Summary", summary))
    if detection.get("grouped_details"):
        parts.append(tableToMarkdown("Grouped details", detection["grouped_details"]))
    return "\n".join(parts)


def edr_fields(detection: dict) -> dict:
    edr = ((detection.get("process_context_data") or {}).get("crowdstrike")) or {}
    urls = edr.get("urls") or {}
    return {
        "vectraruxprocesscontextquerystatus": edr.get("query_status") or "",
        "vectraruxprocesscontextdatecreated": edr.get("date_created") or "",
        "vectraruxprocesscontextquerylink": urls.get("query_link") or "",
        "vectraruxprocesscontextinvestigateentitylink": urls.get("investigate_entity_link") or "",
        "vectraruxprocesscontexterrormessage": edr.get("error_message") or "",
        "vectraruxprocesscontextprocesses": edr.get("processes") or [],
    }


def sync() -> CommandResults:
    detection_id = (demisto.incident().get("CustomFields") or {}).get("vectraruxdetectionid")
    if not detection_id:
        raise DemistoException("This incident has no Vectra RUX Detection ID.")
    detection = describe(str(detection_id))
    fields = {"details": summary_markdown(detection), **edr_fields(detection)}
    execute_command("setIncident", fields)
    edr = "with its EDR process context" if fields["vectraruxprocesscontextquerystatus"] else "(no EDR process context)"
    return CommandResults(readable_output=f"Synchronized the summary of detection {detection_id} {edr}.\n\n{fields['details']}")


def main() -> None:
    try:
        return_results(sync())
    except Exception as error:
        return_error(f"Failed to execute VectraRUXSyncDetectionSummary. Error: {error}")


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
