"""The emulator started by its command line: first line, options, and a full drain of the events stream."""

import re
import subprocess
import sys
from pathlib import Path

import requests

from tools.vectra_emulator.__main__ import build_parser

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = ["--host", "--port", "--seed", "--client-id", "--client-secret", "--entities", "--detections", "--events",
           "--token-ttl", "--refresh-ttl"]


def test_help_documents_every_option():
    help_text = subprocess.run([sys.executable, "-m", "tools.vectra_emulator", "--help"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout
    declared = [flag for action in build_parser()._actions for flag in action.option_strings if flag.startswith("--")]
    assert set(OPTIONS) <= set(declared)
    for option in declared:
        assert option in help_text, option


def test_command_line_serves_a_full_drain():
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.vectra_emulator", "--host", "127.0.0.1", "--port", "0", "--seed", "5",
         "--client-id", "cli-id", "--client-secret", "cli-secret", "--entities", "20", "--detections", "60",
         "--events", "2500", "--token-ttl", "600", "--refresh-ttl", "1200"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = process.stdout.readline().rstrip("\n")
        assert re.fullmatch(r"listening on http://127\.0\.0\.1:\d+", first_line), first_line
        url = first_line.removeprefix("listening on ")
        token = requests.post(f"{url}/oauth2/token", data={"grant_type": "client_credentials"},
                              auth=("cli-id", "cli-secret"), timeout=10).json()
        assert token["expires_in"] == 600 and token["refresh_expires_in"] == 1200
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        seen, checkpoint, pages = 0, None, 0
        while True:
            params = {"limit": 1000, "size": "detailed", "include_info_category": "true", "include_triaged": "true"}
            if checkpoint is not None:
                params["from"] = checkpoint
            page = requests.get(f"{url}/api/v3.5/events/detections", params=params, headers=headers, timeout=30).json()
            seen += len(page["events"])
            checkpoint, pages = page["next_checkpoint"], pages + 1
            if page["remaining_count"] == 0:
                break
        assert seen == 2500 and pages == 3
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_non_loopback_hosts_are_refused():
    result = subprocess.run([sys.executable, "-m", "tools.vectra_emulator", "--host", "0.0.0.0"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.strip() == (
        "error: the emulator serves loopback only; host must be one of 127.0.0.1, localhost, ::1")
