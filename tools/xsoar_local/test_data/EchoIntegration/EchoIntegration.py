"""A minimal integration the engine's tests run: it exercises every kind of thing a command hands back."""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

LOADS = []  # module state: a fresh module load per command must start it empty
LOADS.append(1)


def fetch():
    last = demisto.getLastRun().get("counter", 0)
    if demisto.params().get("fail_fetch"):
        raise DemistoException("upstream is down")
    incidents = [{"name": f"incident {last + i}", "occurred": "2026-01-01T00:00:00Z", "rawJSON": "{}",
                  "dbotMirrorId": str(last + i)} for i in (1, 2)]
    demisto.incidents(incidents)
    demisto.setLastRun({"counter": last + 2})


def main():
    command = demisto.command()
    args = demisto.args()
    try:
        if command == "test-module":
            return_results("ok")
        elif command == "fetch-incidents":
            fetch()
        elif command == "echo-loads":
            return_results(CommandResults(outputs_prefix="Echo.Loads", outputs=len(LOADS), readable_output=f"loads={len(LOADS)}"))
        elif command == "echo-args":
            return_results(CommandResults(outputs_prefix="Echo", outputs_key_field="id",
                                          outputs={"id": 1, **args, "greeting": demisto.params().get("greeting")}))
        elif command == "context-bump":
            context = get_integration_context()
            context["bumps"] = context.get("bumps", 0) + 1
            set_integration_context(context)
            return_results(f"bumps={context['bumps']}")
        elif command == "file":
            return_results(fileResult("capture.pcap", b"pcap-bytes"))
        else:
            raise DemistoException(f"unknown command {command}")
    except Exception as error:
        return_error(f"Failed to execute {command} command.\nError:\n{error}")


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
