"""Connecting to the Dask scheduler named by ``--scheduler``, with a clear error when none answers.

A Dask scheduler greets every new connection with a short handshake frame. Before handing the
address to Dask (whose client waits without end on a port that accepts connections but says
nothing, and may read an HTTP server's reply as the length of a huge frame), a plain TCP probe
checks that greeting; the client itself then gets a deadline.
"""

from __future__ import annotations

import socket
import struct
import threading
from urllib.parse import urlsplit

PROBE_SECONDS = 5.0
CONNECT_SECONDS = 30.0
_MAX_GREETING = 1 << 16  # a handshake frame is a few dozen bytes


class SchedulerError(RuntimeError):
    """No usable Dask scheduler at the address; the message says what was found."""


def check_scheduler(address: str, timeout: float = PROBE_SECONDS) -> None:
    """Raise SchedulerError unless a Dask scheduler greets a TCP connection to `address` within `timeout`.

    Only plain TCP addresses (``tcp://HOST:PORT`` or ``HOST:PORT``) are probed; others go to Dask as given.
    """
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp":
        return
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or not port:
        raise SchedulerError(f"--scheduler {address}: expected tcp://HOST:PORT, e.g. tcp://10.0.0.1:8786")
    hint = "is it the address a Dask scheduler printed (start one with `dask scheduler`)?"
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.settimeout(timeout)
            greeting = connection.recv(64)
    except TimeoutError:
        raise SchedulerError(f"--scheduler {address}: no Dask handshake within {timeout:g} s; {hint}") from None
    except OSError as error:
        raise SchedulerError(f"--scheduler {address}: cannot connect ({error.strerror or error}); {hint}") from None
    if len(greeting) < 8 or not 0 < struct.unpack("<Q", greeting[:8])[0] < _MAX_GREETING:
        raise SchedulerError(f"--scheduler {address}: something answers there, but not a Dask scheduler; {hint}")


def connect(address: str, timeout: float = CONNECT_SECONDS):
    """A ``distributed.Client`` of the scheduler at `address`, or SchedulerError within about `timeout` s."""
    from distributed import Client

    check_scheduler(address)
    outcome: dict = {}

    def attempt():
        try:
            outcome["client"] = Client(address, timeout=f"{timeout}s")
        except Exception as error:  # reported below, with the address
            outcome["error"] = error

    thread = threading.Thread(target=attempt, name="wom-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + PROBE_SECONDS)
    if thread.is_alive():
        raise SchedulerError(f"--scheduler {address}: the Dask client did not connect within {timeout:g} s")
    if "error" in outcome:
        raise SchedulerError(f"--scheduler {address}: {outcome['error']}") from None
    return outcome["client"]
