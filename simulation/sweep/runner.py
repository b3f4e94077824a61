"""Running tasks: one pure function per run, mapped over tasks by any ``concurrent.futures`` executor.

Serial (in this process), local processes (``ProcessPoolExecutor``, spawn context) and Dask (a
``distributed.Client``'s executor, for a LocalCluster or a remote scheduler) go through the same
``execute``; at most a few tasks per worker are in flight so the parent's memory stays flat however
long the sweep. A run's numbers depend only on the scenario, the point and the seed.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import math
import os
import time
import traceback
from contextlib import contextmanager

from .. import kernels
from ..experiment.runs import run_once
from ..kpis import RUN_KPIS
from ..network.build import build_market_network
from ..network.settings import network_key
from ..workers import process_pool, stop_workers
from .base import BaseScenario
from .design import Task
from .scheduler import connect

_NETWORKS: dict = {}  # (network settings, seed) -> SocialNetwork, the last few built in this process


def network_for(scenario, seed: int):
    """The scenario's social network for a seed, built as the model builds it (its own random stream).

    Points of a sweep that change no network field share it within a worker (building it is 5-10% of
    a 10,000-consumer run, more for edge-list files). The model only reads the network, so sharing
    changes no number (tested against fresh builds).
    """
    params = scenario.model_parameters()  # checked by the scenario's schema
    key = network_key(params, seed)
    if key not in _NETWORKS:
        if len(_NETWORKS) >= 2:
            _NETWORKS.pop(next(iter(_NETWORKS)))
        _NETWORKS[key] = build_market_network(seed, params)
    return _NETWORKS[key]


def run_point(base: BaseScenario, task: Task, timeseries: bool = False) -> dict:
    """One run as a row: id, point, parameters, strategy, replication, seed, status, error, times, KPIs.

    Never raises: a failing run comes back with status 'error' and the error, so the sweep goes on.
    """
    kernels.for_batches()  # a worker runs many models: the compiled kernels pay for their loading
    started, cpu = time.perf_counter(), time.process_time()
    row = {
        "id": task.id,
        "point": task.point,
        **task.values,
        "strategy": task.strategy,
        "replication": task.replication,
        "seed": None,
        "status": "ok",
        "error": None,
    }
    try:
        scenario = base.parse(task.values)
        row["seed"] = scenario.seed + task.replication
        result = run_once(scenario, task.strategy, task.replication, network_for(scenario, row["seed"]))
        row.update(result.kpis)
        if timeseries:
            frame = result.timeseries.copy()
            frame.insert(0, "id", task.id)
            row["_timeseries"] = frame
    except Exception as error:
        if _interrupted(error):
            raise KeyboardInterrupt from error
        row.update({k: math.nan for k in RUN_KPIS})
        row["status"] = "error"
        last = traceback.extract_tb(error.__traceback__)[-1:]
        where = f" (at {os.path.basename(last[0].filename)}:{last[0].lineno})" if last else ""
        row["error"] = f"{type(error).__name__}: {error}{where}"
    row["elapsed"] = time.perf_counter() - started
    row["cpu_seconds"] = time.process_time() - cpu
    return row


def _interrupted(error: BaseException) -> bool:
    """Whether an error was caused by Ctrl+C: a KeyboardInterrupt raised while a compiled kernel runs comes
    back as a SystemError whose context is the interrupt. It stops the sweep; it is not a failed run."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


class SerialExecutor(cf.Executor):
    """Runs each task when submitted, in this process (no pickling; handy for debugging)."""

    def submit(self, fn, /, *args, **kwargs):
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


@contextmanager
def executor(jobs: int = 1, scheduler: str | None = None, dask_workers: int | None = None):
    """The executor for the chosen backend, with the number of tasks it runs at once."""
    if scheduler or dask_workers:
        from distributed import Client, LocalCluster

        if scheduler:
            client = connect(scheduler)  # a clear error, not a hang, when no scheduler answers
            cluster = None
        else:
            # One single-threaded worker process per core: a worker runs the kernels on one thread (for_batches).
            # silence_logs: an interruption closes the cluster under running tasks; its workers' complaints
            # about the lost scheduler are expected, not news.
            cluster = LocalCluster(
                n_workers=dask_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
            )
            client = Client(cluster)
        try:
            slots = max(sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()), 1)
            with client.get_executor(pure=False) as pool:
                yield pool, slots
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    elif jobs > 1:
        pool = process_pool(jobs)  # spawned, and ending when this process dies
        try:
            yield pool, jobs
        except BaseException:
            stop_workers(pool)  # an interruption or an early stop: do not wait for the runs in flight
            raise
        pool.shutdown(wait=True)
    else:
        yield SerialExecutor(), 1


def execute(pool: cf.Executor, slots: int, base: BaseScenario, tasks, timeseries: bool = False, per_slot: int = 4):
    """Yield each task's row as it completes, keeping at most ``slots * per_slot`` tasks in flight."""
    tasks = iter(tasks)
    pending: set = set()
    limit = max(slots * per_slot, 1)
    try:
        while True:
            for task in tasks:
                pending.add(pool.submit(run_point, base, task, timeseries))
                if len(pending) >= limit:
                    break
            if not pending:
                return
            done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        for future in pending:
            future.cancel()
