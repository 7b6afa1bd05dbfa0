"""Print the pinned requirements of pyproject.toml (run time + dev), one per line, for `make venv`."""

import sys
from pathlib import Path

import tomllib


def pinned_requirements(pyproject: Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    unpinned = [r for r in requirements if "==" not in r]
    if unpinned:
        raise SystemExit(f"pyproject.toml: every dependency must be pinned with ==, these are not: {unpinned}")
    return requirements


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    sys.stdout.write("\n".join(pinned_requirements(root / "pyproject.toml")) + "\n")
