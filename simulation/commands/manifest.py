"""What a command wrote into its output folder: the manifest, so that nothing else is ever removed.

A command that claims a folder writes ``.wom-manifest.json`` first, with status ``running`` and the files
that were there before it (the user's own, or an earlier run's it resumes); when it ends it rewrites it
with status ``complete`` and the files it wrote (every file that was not there before). So:

* ``--overwrite`` removes exactly the files an earlier command listed as written (and folders left
  empty by that), never a file the user put there (``D/validation/thesis.tex`` stays);
* a folder whose manifest still says ``running`` was left by an interrupted command: its files are
  marked incomplete, and the next command in that folder removes them (the files that were not there
  before it and bear the names commands give their outputs, ``common.OUTPUTS``: a file the user added
  since under another name stays) or, for a resumable command, resumes there, without ``--overwrite``;
* the manifest is written before any work, so a folder that cannot be written is refused at once;
* results are written into a staging folder inside it (``STAGING``) and each file renamed into place when all
  are written (``publish``), so no result file is ever seen half-written under its name; a staging folder
  left by a failed or killed command is removed by the next.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

MANIFEST = ".wom-manifest.json"
STAGING = ".wom-writing"  # results being written, moved into place once all are


def files_in(folder: Path) -> set[str]:
    """Every file under `folder` (relative POSIX paths; links are listed, not followed), the manifest aside."""
    found = set()
    for root, dirs, names in os.walk(folder):
        if Path(root) == folder and STAGING in dirs:
            dirs.remove(STAGING)  # not results yet
        for name in names:
            relative = (Path(root) / name).relative_to(folder).as_posix()
            if relative != MANIFEST:
                found.add(relative)
    return found


def read(folder: Path) -> dict | None:
    """The folder's manifest, or None (none, or one that is not ours: then nothing is taken as written)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("status") not in ("running", "complete"):
        return None
    for key in ("existing", "written"):
        if not isinstance(data.get(key, []), list) or not all(isinstance(p, str) for p in data.get(key, [])):
            return None
    return data


def leftovers(folder: Path, manifest: dict) -> set[str]:
    """Files an earlier command wrote (listed, or, if it was interrupted, not there before it started)."""
    present = files_in(folder)
    if manifest["status"] == "running":
        return present - set(manifest.get("existing", []))
    return present & set(manifest.get("written", []))


def remove(folder: Path, names: set[str]) -> None:
    """Remove these files (paths inside `folder` only), then the folders they leave empty."""
    root = folder.resolve()
    parents: set[Path] = set()
    for name in names:
        target = folder / name
        if not target.resolve().is_relative_to(root) and not target.is_symlink():
            continue  # (a listed path that leads outside: never touched)
        if target.is_symlink() or target.is_file():
            target.unlink()
        parents.update(p for p in Path(name).parents if p != Path("."))
    for parent in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        try:
            (folder / parent).rmdir()  # only if empty: a user's file keeps its folder
        except OSError:
            pass


def stage(folder: Path) -> Path:
    """An empty staging folder inside `folder` for the results being written (OSError if it cannot be made)."""
    staging = folder / STAGING
    discard_staging(folder)
    staging.mkdir()
    return staging


def discard_staging(folder: Path) -> None:
    """Remove a staging folder (a failed or killed command's unfinished results): never the user's files."""
    staging = folder / STAGING
    if staging.is_symlink() or staging.is_file():
        staging.unlink()
    elif staging.is_dir():
        shutil.rmtree(staging)


def publish(folder: Path) -> None:
    """Move every staged file into place under `folder` (each by one rename: whole or absent), then drop the
    staging folder. A file of the same name is replaced; a user's file of another name is never touched."""
    staging = folder / STAGING
    for root, _dirs, names in os.walk(staging):
        for name in sorted(names):
            source = Path(root) / name
            target = folder / source.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    shutil.rmtree(staging)


def start(folder: Path, command: str, carried: list[str] | None = None) -> None:
    """Mark the folder as being written by `command` (OSError if it cannot be written)."""
    _write(
        folder,
        {"status": "running", "command": command, "existing": sorted(files_in(folder)), "written": carried or []},
    )


def finish(folder: Path) -> None:
    """Mark the folder's command complete, listing every file it wrote (and any it resumed from)."""
    manifest = read(folder) or {"command": "", "existing": [], "written": []}
    present = files_in(folder)
    written = (present - set(manifest["existing"])) | (present & set(manifest.get("written", [])))
    existing = sorted(present - written)
    _write(folder, {**manifest, "status": "complete", "existing": existing, "written": sorted(written)})


def _write(folder: Path, data: dict) -> None:
    """Written to a temporary file and renamed: a manifest is never half-written."""
    temporary = folder / f"{MANIFEST}.tmp"
    temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(temporary, folder / MANIFEST)
