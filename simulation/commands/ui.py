"""Start the Solara front end (Explore, Compare, Optimise and Sweep views) on 127.0.0.1 and print its address.

Runs `solara run simulation/app.py` in production mode with Solara's telemetry off; the scenario file
given here is the one the page opens. Stop it with Ctrl+C, or SIGTERM/SIGHUP (a service manager, a
closed terminal): the Solara server is stopped with it, and on Linux it also ends if this process is
killed outright. The page has no login: anyone who can reach the address can run simulations and upload
scenarios. Uploaded scenarios may only read network files from data/ or uploaded with them; websockets
are accepted only from the server's own pages (behind a reverse proxy, list the public origin in
WOM_ALLOWED_ORIGINS, e.g. https://sim.example.org). See the README's "Security" section.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from ..ui import SCENARIO_ENV
from .common import DEFAULT_SCENARIO, fail, require_extra

APP = Path(__file__).resolve().parents[1] / "app.py"


def add_arguments(parser) -> None:
    parser.add_argument(
        "scenario",
        nargs="?",
        default=str(DEFAULT_SCENARIO),
        help="scenario file the page opens (default: scenarios/default.yaml)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765)")


def command(args) -> list[str]:
    """The `solara run` command line for these arguments."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(APP),
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-open",
        "--no-check-version",
    ]


def main(args) -> int:
    if not 0 < args.port < 65536:
        fail(f"--port {args.port}: expected a port number between 1 and 65535")
    require_extra("ui", "solara", "ipyvuetify", "ipyvue", "altair")
    from ..scenario import ScenarioError, load_scenario

    try:
        load_scenario(args.scenario)  # refuse a bad file here, with the same messages as other commands
    except ScenarioError as error:
        fail(
            f"scenario not valid ({len(error.problems)} problem{'s' * (len(error.problems) > 1)}):\n  "
            + "\n  ".join(error.problems)
        )
    env = dict(
        os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False", **{SCENARIO_ENV: str(Path(args.scenario).resolve())}
    )
    print(
        f"word-of-mouth simulator: http://{args.host}:{args.port}  (scenario {args.scenario}; Ctrl+C stops it)",
        flush=True,
    )
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"note: listening on {args.host}: anyone who can reach this address can use the page (there is no "
            "login); see the README's Security section",
            file=sys.stderr,
            flush=True,
        )
    return serve(command(args), env)


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when the parent dies (even by SIGKILL)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def serve(cmd: list[str], env: dict, stop_timeout: float = 10.0) -> int:
    """Run the server as a child; SIGINT, SIGTERM or SIGHUP to this process stops the child too."""
    child = subprocess.Popen(cmd, env=env, preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    stopping: list[int] = []

    def stop(signum, frame):
        stopping.append(signum)
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
    try:
        while True:
            try:
                code = child.wait(timeout=stop_timeout if stopping else None)
                break
            except subprocess.TimeoutExpired:
                child.kill()  # did not stop in time
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        from ..ui.background import temp_root_of

        shutil.rmtree(temp_root_of(child.pid), ignore_errors=True)  # its temporary files, even if it was killed
    return 0 if stopping else code
