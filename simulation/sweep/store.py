"""The sweep's results on disk: a Parquet dataset written part by part as runs complete.

``DIR/runs/part-*.parquet`` holds one row per run; ``DIR/timeseries/part-*.parquet`` (optional) the
per-step KPIs of each run, keyed by the run's id. Each part is written to a temporary name and then
renamed, so a kill at any moment leaves only whole parts; a resumed sweep reads the ids present and
runs only the others. ``DIR/sweep.json`` records the design so a different sweep cannot mix in.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ..kpis import RUN_KPIS

MANIFEST = "sweep.json"
LOCK = ".sweep.lock"


def run_schema(params: dict) -> pa.Schema:
    """Columns of the runs dataset; ``params`` maps each swept path to a pyarrow type."""
    fields = [pa.field("id", pa.string()), pa.field("point", pa.int64())]
    fields += [pa.field(path, kind) for path, kind in params.items()]
    fields += [
        pa.field("strategy", pa.string()),
        pa.field("replication", pa.int64()),
        pa.field("seed", pa.int64()),
        pa.field("status", pa.string()),
        pa.field("error", pa.string()),
        pa.field("elapsed", pa.float64()),
        pa.field("cpu_seconds", pa.float64()),
    ]
    fields += [pa.field(k, pa.float64()) for k in RUN_KPIS]
    return pa.schema(fields)


def arrow_type(values) -> pa.DataType:
    """The column type for a swept field's values (whole numbers stay integers)."""
    values = list(values)
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()


class FolderLock:
    """An exclusive lock on a sweep folder for as long as this process writes to it.

    Two sweeps writing into one folder would both run the missing runs and store them twice; the
    second is refused instead. The operating system releases the lock when the process ends, even
    on SIGKILL, so a stale lock file never blocks a later run. (Where locks are not available,
    reading deduplicates by run id.)
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise ValueError(f"--out {self.out}: exists and is not a folder") from None
        self._handle = open(self.out / LOCK, "a+", encoding="utf-8")  # held until released
        try:
            import fcntl
        except ImportError:  # not on POSIX: no lock, duplicates are dropped on reading
            return
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._handle.seek(0)
            holder = self._handle.read().strip() or "?"
            self._handle.close()
            raise ValueError(
                f"--out {self.out}: another sweep (process {holder}) is writing to this folder; wait for it to "
                "finish (then run this command again to resume) or choose another --out"
            ) from None
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(str(os.getpid()))
        self._handle.flush()

    def release(self) -> None:
        self._handle.close()  # closing the file releases the lock


class SweepStore:
    """Append-only, crash-safe store of a sweep's rows (see the module docstring)."""

    def __init__(self, out: Path, schema: pa.Schema, manifest: dict, flush_rows: int = 64, flush_seconds: float = 2.0):
        self.out = Path(out)
        self.runs_dir = self.out / "runs"
        self.series_dir = self.out / "timeseries"
        self.schema = schema
        self.flush_rows = flush_rows
        self.flush_seconds = flush_seconds
        self._rows: list[dict] = []
        self._series: list[pd.DataFrame] = []
        self._last_flush = time.monotonic()
        self._check_manifest(manifest)
        self._drop_orphan_series()

    def _check_manifest(self, manifest: dict) -> None:
        path = self.out / MANIFEST
        if path.exists():
            old = json.loads(path.read_text(encoding="utf-8"))
            if old.get("fingerprint") != manifest["fingerprint"]:
                raise ValueError(
                    f"{self.out} holds results of a different sweep (scenario, design or strategies "
                    f"differ: {old.get('command', '?')}); choose another --out folder"
                )
            return
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        _atomic_write_text(path, json.dumps(manifest, indent=2, default=str))

    def _drop_orphan_series(self) -> None:
        # A kill between writing a part's time series and its rows leaves series of runs not done:
        # they will run again, so their old series must go.
        if self.series_dir.exists():
            for part in self.series_dir.glob("part-*.parquet"):
                if not (self.runs_dir / part.name).exists():
                    part.unlink()

    def done_ids(self) -> set[str]:
        """Ids of the runs already stored (ok or error)."""
        if not self.runs_dir.exists() or not any(self.runs_dir.glob("part-*.parquet")):
            return set()
        table = ds.dataset(self.runs_dir, format="parquet").to_table(columns=["id"])
        return set(table.column("id").to_pylist())

    def add(self, row: dict) -> bool:
        """Buffer a completed run; write a part when enough rows or seconds have gathered. True if written."""
        series = row.pop("_timeseries", None)
        if series is not None:
            self._series.append(series)
        self._rows.append(row)
        if len(self._rows) >= self.flush_rows or time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()
            return True
        return False

    def flush(self) -> None:
        """Write the buffered rows as one part (and their time series as another)."""
        self._last_flush = time.monotonic()
        if not self._rows:
            return
        name = f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
        if self._series:
            # Time series first: a run counts as done only once its row exists.
            self.series_dir.mkdir(parents=True, exist_ok=True)
            frame = pd.concat(self._series, ignore_index=True)
            _atomic_write_table(pa.Table.from_pandas(frame, preserve_index=False), self.series_dir / name)
        table = pa.Table.from_pylist([{k: r.get(k) for k in self.schema.names} for r in self._rows], schema=self.schema)
        _atomic_write_table(table, self.runs_dir / name)
        self._rows, self._series = [], []


def _atomic_write_table(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def read_runs(out) -> pd.DataFrame:
    """Every stored run of a sweep folder, once each, ordered by point, strategy and replication.

    A run stored twice (two sweeps that wrote into one folder where locking was not available) is
    counted once: its id and design point determine its numbers, so either copy will do. (One id can
    belong to several points: a Morris design may visit the same values twice.)
    """
    runs_dir = Path(out) / "runs"
    if not any(runs_dir.glob("part-*.parquet")):
        return pd.DataFrame()
    frame = ds.dataset(runs_dir, format="parquet").to_table().to_pandas()
    frame = frame.sort_values(["point", "strategy", "replication"], kind="stable").drop_duplicates(["id", "point"])
    return frame.reset_index(drop=True)
