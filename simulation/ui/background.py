"""Running work in a background thread that may update a session's reactive state, and what a session
leaves behind: its work stops and its temporary files go when its page closes or the server stops.

Solara keeps reactive state per browser session (its kernel context); a plain thread has none, so the
thread is given the context of the session that started it. Every temporary folder of the front end
(uploads, comparison and sweep results) lives under one folder per server process, ``wom-ui-<pid>``
(``use_own_temp_root`` points ``tempfile`` there): it is removed when the process exits, by the ``ui``
command once its server has stopped, and, for a server killed with SIGKILL, at the next start.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from pathlib import Path

from solara.server import kernel_context

TEMP_PREFIX = "wom-ui-"
_root: list[Path] = []
_root_lock = threading.Lock()


def start_thread(target, *args, name: str = "wom-ui") -> threading.Thread:
    """Start `target(*args)` in a daemon thread bound to the current Solara session (if any)."""
    context = kernel_context.get_current_context() if kernel_context.has_current_context() else None
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    if context is not None:
        kernel_context.set_context_for_thread(context, thread)
    thread.start()
    return thread


def on_session_end(callback) -> None:
    """Call `callback` when the current Solara session ends (page closed, culled, or the server stopping)."""
    if kernel_context.has_current_context():
        kernel_context.get_current_context().on_close(callback)


def temp_root_of(pid: int, base: str | None = None) -> Path:
    return Path(base or tempfile.gettempdir()) / f"{TEMP_PREFIX}{pid}"


def use_own_temp_root() -> Path:
    """Make this process's temporary files go under ``wom-ui-<pid>`` (created once, removed at exit), after
    removing the folders of front-end processes that no longer run (a server killed with SIGKILL)."""
    with _root_lock:
        if _root:
            return _root[0]
        base = tempfile.gettempdir()
        remove_stale_roots(base)
        root = temp_root_of(os.getpid(), base)
        root.mkdir(mode=0o700, exist_ok=True)
        tempfile.tempdir = str(root)
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        _root.append(root)
        return root


def remove_stale_roots(base: str) -> None:
    for folder in Path(base).glob(f"{TEMP_PREFIX}*"):
        pid = folder.name[len(TEMP_PREFIX) :]
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)) and _ours(folder):
            shutil.rmtree(folder, ignore_errors=True)


def _ours(folder: Path) -> bool:
    try:
        return folder.lstat().st_uid == os.getuid() and folder.is_dir() and not folder.is_symlink()
    except OSError:
        return False


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
