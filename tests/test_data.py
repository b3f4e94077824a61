"""The repository is self-contained: the data it uses ships in data/, as documented, and nothing reads outside it."""

from __future__ import annotations

import gzip
import hashlib
import re
import subprocess

import pytest

from simulation import datasets

# The shared folder beside the repository on the developers' machines (spelled so this file does not match).
OUTSIDE = ("../" + "shared", "shared" + "/data")


def documented_sha256(root, name: str) -> str:
    """The checksum data/README.md gives for the original file ``name``."""
    text = (root / "data" / "README.md").read_text()
    match = re.search(rf"`{re.escape(name)}`,[^`]*?sha256 `([0-9a-f]{{64}})`", text, flags=re.S)
    assert match, f"data/README.md gives no sha256 for {name}"
    return match.group(1)


def test_shipped_files_are_the_documented_originals(root, facebook_edges, bass_sales):
    unpacked = gzip.decompress(facebook_edges.read_bytes())
    assert hashlib.sha256(unpacked).hexdigest() == documented_sha256(root, "ego-facebook.edges")
    assert unpacked.count(b"\n") == datasets.FACEBOOK_FRIENDSHIPS
    assert hashlib.sha256(bass_sales.read_bytes()).hexdigest() == documented_sha256(root, "bass1969_sales.csv")


def test_a_missing_data_file_says_how_to_restore_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"missing\.csv: data file missing.*git checkout -- data/"):
        datasets.data_file(tmp_path / "missing.csv")


def test_nothing_in_the_repository_reads_outside_it(root):
    files = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout.split()
    offenders = []
    for name in files:
        path = root / name
        if path.suffix in {".png", ".gz", ".parquet"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if any(outside in text for outside in OUTSIDE):
            offenders.append(name)
    assert not offenders, f"these files name the folder beside the repository: {offenders}"
