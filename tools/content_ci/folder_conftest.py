"""The conftest the content CI puts beside each integration's or script's tests: a test fails if it writes to stdout
or stderr, or if a warning (or worse) is logged while it runs. demisto/content also runs the tests with the network
off (`docker run --network=none`): here a test that opens a network socket fails.

This file is copied next to the tests of each folder by `tools.content_ci.folders`; it is never imported from here.
"""

import logging
import socket

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_attempts: list = []
NETWORK_FAMILIES = (socket.AF_INET, socket.AF_INET6)


def _refuse(sock, address):
    if sock.family in NETWORK_FAMILIES:
        _attempts.append(address)
        raise OSError(f"the network is off in the content CI; the test tried to connect to {address}")
    return


def _connect(sock, address):
    _refuse(sock, address)
    return _real_connect(sock, address)


def _connect_ex(sock, address):
    _refuse(sock, address)
    return _real_connect_ex(sock, address)


socket.socket.connect = _connect  # type: ignore[assignment]
socket.socket.connect_ex = _connect_ex  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def no_network():
    _attempts.clear()
    yield
    if _attempts:
        pytest.fail(f"the test opened a network connection (the content CI runs without a network): {_attempts}")


@pytest.fixture(autouse=True)
def check_logging(caplog):
    yield
    messages = [f"{record.levelname}: {record.getMessage()}" for record in caplog.get_records("call")
                if record.levelno >= logging.WARNING]
    if messages:
        pytest.fail(f"warning messages encountered during testing: {messages}")


@pytest.fixture(autouse=True)
def check_std_out_err(capfd):
    yield
    out, err = capfd.readouterr()
    if out:
        pytest.fail(f"Found output in stdout: [{out.strip()}]")
    if err:
        pytest.fail(f"Found output in stderr: [{err.strip()}]")
