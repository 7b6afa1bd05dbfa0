"""Pages through the open incidents of a type, finds their Vectra detections that went inactive, and sets those
detections' investigation status to expired (the work of the Expire Inactive Detections playbook)."""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

BRAND = "VectraRUXEventsDetections"
DESCRIBE_BATCH = 500


def open_detection_ids(incident_type: str, page_size: str) -> tuple[list[int], int]:
    """Detection IDs of every open incident of the type, page by page (VectraRUXGetIncidents)."""
    ids: list[int] = []
    incidents, page = 0, 0
    while True:
        res = execute_command("VectraRUXGetIncidents", {"incident_type": incident_type, "page": page, "page_size": page_size},
                              extract_contents=False)
        outputs = res[0].get("EntryContext") or {}
        found: list = next((value for key, value in outputs.items() if key.startswith("VectraRUXGetIncidents(")), []) or []
        incidents += len(found)
        ids += [int(i["CustomFields"]["vectraruxdetectionid"]) for i in found
                if str((i.get("CustomFields") or {}).get("vectraruxdetectionid") or "").isdigit()]
        more: dict = next((value for key, value in outputs.items() if key.startswith("VectraRUXGetIncidentsPage")), {})
        if not more.get("has_more"):
            return list(dict.fromkeys(ids)), incidents
        page += 1


def inactive(detection_ids: list[int]) -> list[int]:
    found: list[int] = []
    for start in range(0, len(detection_ids), DESCRIBE_BATCH):
        batch = detection_ids[start:start + DESCRIBE_BATCH]
        contents = execute_command("vectra-detection-describe", {"detection_ids": ",".join(map(str, batch)),
                                                                 "page_size": str(len(batch)), "using-brand": BRAND})
        for detection in (contents.get("results") or []) if isinstance(contents, dict) else []:
            if detection.get("state") == "inactive" and detection.get("investigation_status") != "expired":
                found.append(int(detection["id"]))
    return found


def expire(args: dict) -> CommandResults:
    incident_type = args.get("incident_type") or "Vectra RUX Events Detection"
    detection_ids, incidents = open_detection_ids(incident_type, str(args.get("page_size") or 100))
    expired = inactive(detection_ids)
    if expired:
        execute_command("vectra-detection-investigation-status-update", {"detection_ids": ",".join(map(str, expired)),
                                                                         "investigation_status": "expired",
                                                                         "using-brand": BRAND})
    readable = (f"Checked {incidents} open incident(s) of type {incident_type}: {len(expired)} inactive detection(s) set to "
                f"expired{': ' + ', '.join(map(str, expired)) if expired else ''}.")
    return CommandResults(outputs_prefix="VectraRUXExpireInactiveDetections",
                          outputs={"incidents_checked": incidents, "expired_detection_ids": expired}, readable_output=readable)


def main() -> None:
    try:
        return_results(expire(demisto.args()))
    except Exception as error:
        return_error(f"Failed to execute VectraRUXExpireInactiveDetections. Error: {error}")


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
