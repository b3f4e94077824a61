"""The real data shipped with the project in ``data/`` (sources, licences and provenance in data/README.md)."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "data"

# SNAP ego-Facebook (McAuley & Leskovec 2012): 4,039 users, 88,234 undirected friendships, ids 0..4038.
FACEBOOK_EDGES = DATA_DIR / "ego-facebook.edges.gz"
FACEBOOK_USERS = 4039
FACEBOOK_FRIENDSHIPS = 88234
# Bass (1969): yearly US sales of room air conditioners, colour televisions and clothes dryers.
BASS_SALES = DATA_DIR / "bass1969_sales.csv"


def data_file(path: Path) -> Path:
    """The path of a shipped data file; FileNotFoundError saying how to restore it when it is missing."""
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: data file missing; it ships with the repository in data/ (see data/README.md): "
            "restore it with 'git checkout -- data/'"
        )
    return path
