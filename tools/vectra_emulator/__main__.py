"""python -m tools.vectra_emulator --host 127.0.0.1 --port 0 --seed N --client-id ID --client-secret SECRET

Serves a seeded Vectra RUX API v3.5 tenant on loopback until interrupted. The first line on stdout is exactly
`listening on http://127.0.0.1:PORT`. Faults can be set here at start and changed later through
`POST /_emulator/faults`; the world advances through `POST /_emulator/world`. With `--detach` the command returns
once the server listens, leaving it running in the background (stop it with the pid `--pid-file` names).
"""

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from tools.vectra_emulator import Emulator


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.vectra_emulator", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    world = parser.add_argument_group("server and tenant")
    world.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    world.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one (default 0)")
    world.add_argument("--seed", type=int, default=1, help="seed of the generated tenant (default 1)")
    world.add_argument("--client-id", default="xsoar-client", help="OAuth2 client id the server accepts")
    world.add_argument("--client-secret", default="xsoar-secret", help="OAuth2 client secret the server accepts")
    world.add_argument("--entities", type=int, default=40, help="hosts and accounts to generate (default 40)")
    world.add_argument("--detections", type=int, default=200, help="detections in the history (default 200)")
    world.add_argument("--events", type=int, default=1000,
                       help="events in the history, the detections' `new` events included (default 1000)")
    world.add_argument("--history-hours", type=float, default=72.0, help="hours the history spans (default 72)")
    world.add_argument("--token-ttl", type=int, default=3600, help="access token lifetime in seconds (default 3600)")
    world.add_argument("--refresh-ttl", type=int, default=86400, help="refresh token lifetime in seconds (default 86400)")
    world.add_argument("--unicode", action="store_true", help="put non-ASCII characters in every generated name")
    world.add_argument("--out-of-order", type=int, default=0, metavar="S",
                       help="event timestamps jitter up to S seconds backwards (ids stay ordered)")
    world.add_argument("--detach", action="store_true", help="return once listening; the server runs on in the background")
    world.add_argument("--pid-file", metavar="PATH", help="write the serving process's id there (to stop it: kill)")
    faults = parser.add_argument_group("faults at start (change them later with POST /_emulator/faults)")
    faults.add_argument("--latency-ms", type=int, default=0, help="added to every response")
    faults.add_argument("--rate-limit", type=int, default=0, metavar="N", help="the first N API requests get 429")
    faults.add_argument("--retry-after", type=int, default=1, metavar="S", help="Retry-After of those 429s")
    faults.add_argument("--server-errors", type=int, default=0, metavar="N", help="the first N API requests get 503")
    faults.add_argument("--drop-connections", type=int, default=0, metavar="N",
                        help="the first N API requests are answered by a closed connection")
    faults.add_argument("--expire-tokens-after", type=int, default=-1, metavar="N",
                        help="every access token expires after N more API requests")
    faults.add_argument("--duplicate-events", type=int, default=0, metavar="N",
                        help="events pages repeat the N events before `from`")
    faults.add_argument("--malformed-events", action="store_true", help="serve every 5th event damaged")
    return parser


def detach(argv: list[str]) -> int:
    """Start the server in its own session and return once it announced its address (or failed)."""
    server = subprocess.Popen([sys.executable, "-m", "tools.vectra_emulator", *[a for a in argv if a != "--detach"]],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    line = server.stdout.readline().strip() if server.stdout else ""
    if not line.startswith("listening on "):
        server.wait(timeout=10)
        print(f"error: the emulator did not start (exit {server.returncode}); run it without --detach to see why",
              file=sys.stderr)
        return 2
    print(f"{line} (process {server.pid})", flush=True)
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    options = parser.parse_args(argv)
    if options.detach:
        sys.exit(detach(argv))
    try:
        emulator = start(options)
    except (ValueError, OSError) as error:
        parser.exit(2, f"error: {error}\n")
    if options.pid_file:
        Path(options.pid_file).parent.mkdir(parents=True, exist_ok=True)
        Path(options.pid_file).write_text(f"{os.getpid()}\n")
    print(f"listening on {emulator.url}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        emulator.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        emulator.stop()


def start(options: argparse.Namespace) -> Emulator:
    return Emulator(
        seed=options.seed, client_id=options.client_id, client_secret=options.client_secret,
        entities=options.entities, detections=options.detections, events=options.events,
        token_ttl=options.token_ttl, refresh_ttl=options.refresh_ttl, host=options.host, port=options.port,
        history_hours=options.history_hours, unicode_names=options.unicode, timestamp_jitter_s=options.out_of_order,
        latency_ms=options.latency_ms, rate_limit_requests=options.rate_limit, retry_after_s=options.retry_after,
        server_error_requests=options.server_errors, drop_connections=options.drop_connections,
        expire_tokens_after_requests=options.expire_tokens_after, duplicate_events=options.duplicate_events,
        malformed_events=options.malformed_events,
    )


if __name__ == "__main__":
    main()
