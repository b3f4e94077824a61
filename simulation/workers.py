"""Local worker processes for comparisons and sweeps, which end when the process that started them dies.

A ``ProcessPoolExecutor``'s workers outlive a parent killed with SIGKILL (nothing tells them) and
would keep computing for nobody; here each worker watches its parent's process id and exits as soon
as it changes. Workers are started with ``spawn``: no locks or threads are inherited from a parent
that runs some (the front end, tqdm, Dask). ``stop_workers`` ends a pool at once (a cancelled
comparison, an interrupted sweep), without waiting for the runs in flight.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import threading
import time

POLL_SECONDS = 0.5


def process_pool(jobs: int) -> cf.ProcessPoolExecutor:
    """A pool of `jobs` spawned worker processes, at most one per core (more only add memory, about
    ``resources.WORKER_PROCESS`` each), that exit when this process dies."""
    return cf.ProcessPoolExecutor(
        max(1, min(jobs, os.cpu_count() or 1)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=exit_with_parent,
        initargs=(os.getpid(),),
    )


def exit_with_parent(parent: int) -> None:
    """Worker initializer: a daemon thread ends this process once `parent` is no longer its parent."""
    threading.Thread(target=_watch, args=(parent,), name="wom-exit-with-parent", daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(POLL_SECONDS)
    os._exit(1)  # nothing to clean up: results go to the parent, which is gone


def stop_workers(pool: cf.ProcessPoolExecutor, timeout: float = 5.0) -> None:
    """End a process pool now: cancel what has not started and terminate the workers (their runs in
    flight are lost; everything stored stays). A plain shutdown would wait for every queued run."""
    processes = list(getattr(pool, "_processes", {}).values())  # no public API for the workers before 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout)
