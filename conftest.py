"""Test set-up shared by the whole repository.

Pack code imports the platform runtime as top-level modules (`import demistomock as demisto`,
`from CommonServerPython import *`, `from VectraRUXApiModule import *`): `tools.xsoar_local` puts `Tests/runtime` and
the API modules on the path, as the platform's docker image has the runtime on its path and inlines the modules.
The `invocation` fixture serves each engine-side test a fresh run of the platform (`tools.xsoar_local.invocation`):
what a command produces (results, incidents, last run, context) is read from it. Pack tests never use it: they run
alone, in the content repository's layout (`tools.content_ci.folders`).
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tools.xsoar_local  # noqa: E402,F401 - the platform's runtime and the API modules on the path

pytest_plugins = ["tools.vectra_emulator.fixtures"]


@pytest.fixture
def invocation(tmp_path, monkeypatch):
    """A fresh platform invocation; files written by `fileResult` land in the test's temporary folder."""
    from tools.xsoar_local.invocation import Invocation, serving

    monkeypatch.chdir(tmp_path)
    with serving(Invocation(integration_instance="Vectra RUX test", brand="Vectra RUX")) as current:
        yield current
