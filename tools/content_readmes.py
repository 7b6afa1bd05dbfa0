"""`make docs`: the README of every script and playbook of the pack, from its YAML plus hand-written prose.

The tables (script data, inputs, outputs, dependencies, playbook tasks) come from the YAML, so they cannot drift
from what the platform runs; the prose for each item lives in `content_readme_sections.md` under a
`# <script or playbook name>` heading. Scripts get `Scripts/<Name>/README.md`; playbooks get
`Playbooks/<file stem>_README.md`, as in demisto/content (test playbooks have none).

`python -m tools.content_readmes --check` exits 1 when a committed README differs from a fresh one.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "Packs" / "VectraRUX"
SECTIONS = Path(__file__).with_name("content_readme_sections.md")
BUILTINS = {"getIncidents", "setIncident", "linkIncidents", "getEntries", "getContext"}


def prose_by_name() -> dict[str, str]:
    """`# Name` headings of the sections file -> the text under each."""
    parts = re.split(r"^# (.+)$", SECTIONS.read_text(), flags=re.MULTILINE)
    return {name.strip(): body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def table(headers: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(f"**{h}**" for h in headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def script_readme(definition: dict, prose: str) -> str:
    tags = ", ".join(definition.get("tags") or []) or "-"
    data = table(["Name", "Description"], [["Script Type", f"{definition['type']}3"], ["Tags", tags],
                                          ["Cortex XSOAR Version", definition.get("fromversion", "")]])
    args = definition.get("args") or []
    inputs = table(["Argument Name", "Description"],
                   [[a["name"], a.get("description", "") + (f" Default: {a['defaultValue']}." if a.get("defaultValue")
                                                            else "") + (" Required." if a.get("required") else "")]
                    for a in args]) if args else "There are no inputs for this script."
    outputs = definition.get("outputs") or []
    outputs_text = table(["Path", "Description", "Type"], [[o["contextPath"], o.get("description", ""), o.get("type", "")]
                                                          for o in outputs]) if outputs else \
        "There are no outputs for this script."
    calls = [name.split("|||")[-1] for name in (definition.get("dependson") or {}).get("must") or []]
    commands = "\n".join(f"* {name}" + (" (platform)" if name in BUILTINS else "") for name in calls) or "None."
    return "\n\n".join([
        definition["comment"], prose, "## Script Data\n\n---\n\n" + data, "## Dependencies\n\n---\nThis script uses the "
        "following commands and scripts.\n\n" + commands, "## Inputs\n\n---\n\n" + inputs,
        "## Outputs\n\n---\n\n" + outputs_text]).rstrip() + "\n"


def playbook_tasks(definition: dict) -> list[list[object]]:
    rows = []
    for task_id, task in sorted(definition["tasks"].items(), key=lambda item: int(item[0])):
        if task["type"] in ("start", "title"):
            continue
        runs = task["task"].get("playbookName") or task["task"].get("script") or task["task"].get("scriptName") or ""
        if task["type"] == "condition" and not runs:
            runs = "condition on the context"
        rows.append([task_id, task["task"].get("name", ""), task["type"], runs.split("|||")[-1]])
    return rows


def playbook_readme(definition: dict, prose: str) -> str:
    inputs = definition.get("inputs") or []
    inputs_text = table(["Name", "Description", "Default Value", "Required"],
                        [[i["key"], i.get("description", ""), ((i.get("value") or {}).get("simple") or ""),
                          "Required" if i.get("required") else "Optional"] for i in inputs]) if inputs else \
        "There are no inputs for this playbook."
    outputs = definition.get("outputs") or []
    outputs_text = table(["Path", "Description", "Type"], [[o["contextPath"], o.get("description", ""), o.get("type", "")]
                                                          for o in outputs]) if outputs else \
        "There are no outputs for this playbook."
    return "\n\n".join([
        definition["description"], prose, "## Tasks\n\n---\n\n" + table(["ID", "Task", "Type", "Runs"],
                                                                        playbook_tasks(definition)),
        "## Playbook Inputs\n\n---\n\n" + inputs_text, "## Playbook Outputs\n\n---\n\n" + outputs_text]).rstrip() + "\n"


def readmes() -> dict[Path, str]:
    prose = prose_by_name()
    wanted: dict[Path, str] = {}
    for path in sorted(PACK.glob("Scripts/*/*.yml")):
        definition = yaml.safe_load(path.read_text())
        wanted[path.parent / "README.md"] = script_readme(definition, prose[definition["name"]])
    for path in sorted(PACK.glob("Playbooks/*.yml")):
        definition = yaml.safe_load(path.read_text())
        wanted[path.with_name(f"{path.stem}_README.md")] = playbook_readme(definition, prose[definition["name"]])
    return wanted


def main(argv: list[str]) -> int:
    stale = []
    for path, text in readmes().items():
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(path.relative_to(ROOT))
        else:
            path.write_text(text)
    for path in stale:
        print(f"stale: {path} (run make docs)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
