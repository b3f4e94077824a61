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


def capped_workers(asked: int) -> tuple[int, str]:
    """Worker processes for a request of `asked`: at most one per CPU core (more only add memory, about
    ``resources.WORKER_PROCESS`` each, and no speed), with the note the page shows when it capped them."""
    cores = os.cpu_count() or 1
    if asked <= cores:
        return asked, ""
    return cores, f"{asked:,} worker processes asked for; using {cores}, one per CPU core of this server"


class BackgroundWork:
    """What a view's background work (a comparison, a sweep, a search) shares: a cancel event, its thread and
    a temporary folder for its files; the work stopped and the files removed when the session ends (its page
    closed). Subclasses start their thread with ``begin`` and call ``finished`` when it ends."""

    def __init__(self, prefix: str):
        self.cancel_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.closed = False
        self._busy = False
        self._lock = threading.Lock()
        self._folder: tempfile.TemporaryDirectory | None = tempfile.TemporaryDirectory(prefix=prefix)
        on_session_end(self.close)

    @property
    def folder(self) -> Path:
        if self._folder is None:
            raise RuntimeError("this page's session has ended: nothing more runs for it")
        return Path(self._folder.name)

    def begin(self, target, *args, name: str) -> None:
        """Run `target(*args)` in the session's thread with a fresh cancel event (it must call ``finished``)."""
        with self._lock:
            if self.closed:
                return
            self.cancel_event = threading.Event()
            self._busy = True
        self.thread = start_thread(target, *args, name=name)

    def finished(self) -> None:
        """Called by the work's thread as it ends: a closed session's files go now."""
        with self._lock:
            self._busy = False
            if self.closed:
                self._remove_folder()

    def close(self) -> None:
        """The page is gone: stop the work (a comparison terminates its worker processes at once, a sweep
        after its runs in flight, a search after its trial in flight); its files go once it has stopped."""
        with self._lock:
            self.closed = True
            self.cancel_event.set()
            if not self._busy:
                self._remove_folder()

    def _remove_folder(self) -> None:
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None


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
