"""`make docs`: regenerate the integration READMEs (the incidents integration and the XSIAM event collector) from
their YAML and live command examples.

1. `demisto-sdk generate-docs` writes the standard README from the YAML (parameters, commands, inputs, outputs).
2. The integration's hand-written sections (`integration_readme_sections.md`: fetching, mirroring;
   `collector_readme_sections.md`: collecting events) go before "## Commands".
3. Every line of `command_examples` runs through the local engine against a deterministic emulator tenant (fixed
   seed and clock); its context and human-readable output are added to the command's section, in the format
   generate-docs uses for examples. `${Vectra.Investigation.request_id}` in a line is filled from earlier context.

`python -m tools.integration_readme --check` exits 1 when a committed README differs from a fresh one.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tools.vectra_emulator import Emulator
from tools.xsoar_local.engine import Engine, RunResult

ROOT = Path(__file__).resolve().parents[1]
INTEGRATION = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUX"
EXAMPLES = INTEGRATION / "command_examples"
SECTIONS = Path(__file__).with_name("integration_readme_sections.md")
COLLECTOR = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUXEventCollector"
TENANT_URL = "https://tenant.portal.vectra.example"
EXAMPLE_CLOCK = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
MAX_LISTED = 2  # context examples show the first records of long lists


@dataclass(frozen=True)
class Documented:
    """An integration whose README is generated: its folder, its hand-written sections, its instance's name."""

    folder: Path
    sections: Path
    instance: str

    @property
    def readme(self) -> Path:
        return self.folder / "README.md"

    @property
    def examples(self) -> Path:
        return self.folder / "command_examples"

    @property
    def yml(self) -> Path:
        return self.folder / f"{self.folder.name}.yml"


MAIN = Documented(INTEGRATION, SECTIONS, "vectra")
DOCUMENTED = (MAIN, Documented(COLLECTOR, Path(__file__).with_name("collector_readme_sections.md"), "collector"))


@dataclass
class Example:
    line: str
    command: str
    args: dict[str, str]
    result: RunResult


def parse_example(line: str) -> tuple[str, dict[str, str]]:
    """`!command a=1 b="two words"` -> ("command", {"a": "1", "b": "two words"})."""
    words = shlex.split(line.strip().removeprefix("!"))
    args = {}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep:
            raise ValueError(f"command example argument without '=': {word!r} in {line!r}")
        args[key] = value
    return words[0], args


def example_lines(examples: Path = EXAMPLES) -> list[str]:
    return [line.strip() for line in examples.read_text().splitlines() if line.strip().startswith("!")]


def example_tenant() -> Emulator:
    emulator = Emulator(seed=21, entities=12, detections=30, events=160, now=EXAMPLE_CLOCK, history_hours=24)
    emulator.world.investigation_running_polls = 0
    return emulator


def context_path(key: str) -> str:
    """An EntryContext key without its merge condition: `Vectra.Detection(val.id == obj.id)` -> `Vectra.Detection`."""
    return re.sub(r"\(.*\)$", "", key)


def lookup(outputs: dict[str, Any], path: str) -> Any:
    """A value by dotted path from the outputs seen so far (keyed by context path)."""
    for prefix in sorted(outputs, key=len, reverse=True):
        if path == prefix or path.startswith(prefix + "."):
            value = outputs[prefix]
            for part in path[len(prefix) + 1:].split(".") if path != prefix else []:
                value = (value[0] if isinstance(value, list) and value else value)
                value = value.get(part) if isinstance(value, dict) else None
            return value
    return None


def run_examples(engine: Engine, documented: Documented = MAIN) -> list[Example]:
    """Run every example line in order; `${path}` placeholders take values from earlier examples' outputs."""
    outputs: dict[str, Any] = {}
    examples = []
    instance = documented.instance
    for line in example_lines(documented.examples):
        filled = re.sub(r"\$\{([\w.]+)\}", lambda m: str(lookup(outputs, m.group(1))), line)
        command, args = parse_example(filled)
        result = engine.run(instance, command, args)
        for entry in result.entries:
            outputs.update({context_path(key): value for key, value in (entry.get("EntryContext") or {}).items()})
        examples.append(Example(filled, command, args, result))
    return examples


def merge_context(context: dict, entry_context: dict) -> None:
    for key, value in entry_context.items():
        path = context_path(key).split(".")
        node = context
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value


def context_example(entry_context: dict) -> dict:
    nested: dict = {}
    merge_context(nested, entry_context)
    return _trim(nested)


def _trim(value: Any) -> Any:
    """Long lists of records are cut to their first items; lists of plain values stay whole."""
    if isinstance(value, list):
        records = bool(value) and all(isinstance(item, dict) for item in value)
        return [_trim(item) for item in (value[:MAX_LISTED] if records else value)]
    if isinstance(value, dict):
        return {key: _trim(item) for key, item in value.items()}
    return value


def render_example(example: Example, url: str) -> str:
    parts = ["#### Command example", f"```{example.line}```"]
    entries = example.result.entries
    contexts: list[dict] = [entry["EntryContext"] for entry in entries if entry.get("EntryContext")]
    if contexts:
        merged: dict = {}
        for entry_context in contexts:
            merged.update(entry_context)
        parts += ["#### Context Example", "```json", json.dumps(context_example(merged), indent=4, ensure_ascii=False), "```"]
    parts += ["", "#### Human Readable Output", ""]
    for entry in entries:
        parts.append(_quoted(_readable(entry)))
    return "\n".join(parts).replace(url, TENANT_URL) + "\n"


def _readable(entry: dict) -> str:
    if entry.get("Type") in (3, 9):
        return f"Uploaded file: {entry.get('File')} ({entry.get('FileSize', '?')} bytes)"
    text = entry.get("HumanReadable") or entry.get("Contents")
    return text if isinstance(text, str) else json.dumps(text, indent=4)


def _quoted(text: str) -> str:
    return "\n".join(f">{line}" if line else ">" for line in text.rstrip("\n").splitlines())


def generate_base(workdir: Path, source: Path) -> str:
    """The README demisto-sdk writes from the YAML alone."""
    sdk = Path(sys.executable).parent / "demisto-sdk"
    env = dict(os.environ, DEMISTO_SDK_IGNORE_CONTENT_WARNING="1", DEMISTO_SDK_SKIP_VERSION_CHECK="1",
               DEMISTO_SDK_LOG_NO_COLORS="1")
    yml = workdir / source.name
    yml.write_text(source.read_text())
    subprocess.run([str(sdk), "generate-docs", "-i", str(yml), "-o", str(workdir)], cwd=ROOT, env=env, check=True,
                   capture_output=True, text=True)
    return (workdir / "README.md").read_text()


def assemble(base: str, examples: list[Example], url: str, sections: Path = SECTIONS) -> str:
    text = re.sub(r"This integration was integrated and tested with version xx of [^\n]+\.",
                  "This integration was integrated and tested with version 3.5 of the Vectra RUX REST API.", base, count=1)
    text = text.replace("## Commands\n", sections.read_text().rstrip("\n") + "\n\n## Commands\n", 1)
    for example in examples:
        text = _append_to_section(text, example.command, render_example(example, url))
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


def _append_to_section(text: str, command: str, addition: str) -> str:
    start = text.find(f"\n### {command}\n")
    if start < 0:
        raise ValueError(f"the README has no section for {command}")
    end = text.find("\n### ", start + 1)
    end = len(text) if end < 0 else end
    return text[:end].rstrip("\n") + "\n\n" + addition + text[end:]


def build(documented: Documented = MAIN) -> str:
    with tempfile.TemporaryDirectory() as tmp, example_tenant() as vectra:
        engine = Engine(state_dir=Path(tmp) / "xsoar", isolation="module")
        engine.set_instance(documented.instance, documented.folder, vectra.instance_params())
        examples = run_examples(engine, documented)
        failed = [example.line for example in examples if not example.result.ok]
        if failed:
            raise SystemExit(f"command examples failed: {failed}")
        return assemble(generate_base(Path(tmp), documented.yml), examples, vectra.url, documented.sections)


def main() -> int:
    stale = []
    for documented in DOCUMENTED:
        fresh = build(documented)
        if "--check" in sys.argv[1:]:
            if documented.readme.read_text() != fresh:
                stale.append(str(documented.readme.relative_to(ROOT)))
            continue
        documented.readme.write_text(fresh)
        print(f"wrote {documented.readme.relative_to(ROOT)}")
    if stale:
        print(f"stale: {', '.join(stale)}; run `make docs`.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
