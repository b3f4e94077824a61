"""Data files a scenario or a command names (edge lists, node roles, sales), read with a limit.

A file is read in chunks, decompressed if its name ends in ``.gz``, and refused once past a size limit,
so a gzip bomb, ``/dev/zero`` or a huge upload cannot exhaust memory; anything but a regular file (a
FIFO would block the reader forever) and a corrupt or truncated gzip stream are refused with a
one-line ValueError naming the file.
"""

from __future__ import annotations

import gzip
import stat
import zlib
from pathlib import Path

CHUNK = 2**20


class FileTooLargeError(ValueError):
    """A data file whose (decompressed) text is larger than the memory it may take."""


def read_data(path: Path, max_bytes: int | None, what: str) -> bytes:
    """The whole text of a data file, decompressed if its name ends in ``.gz`` (see ``file_chunks``);
    FileTooLargeError once it passes ``max_bytes`` (default: ``resources.text_budget()``), before more
    is read."""
    limit = text_limit(max_bytes)
    chunks, total = [], 0
    for chunk in file_chunks(path, what):
        total += len(chunk)
        if total > limit:
            raise FileTooLargeError(_too_large(path, what, limit))
        chunks.append(chunk)
    return b"".join(chunks)


def text_size(path: Path, max_bytes: int | None = None, what: str = "edge-list file") -> int:
    """Bytes of text in a data file (decompressed), measured while streaming and stopped just past
    ``max_bytes`` (then max_bytes + 1 at most): nothing is kept, so a gzip bomb costs a chunk of memory."""
    limit = text_limit(max_bytes)
    total = 0
    for chunk in file_chunks(path, what):
        total += len(chunk)
        if total > limit:
            return limit + 1
    return total


def text_limit(max_bytes: int | None) -> int:
    if max_bytes is not None:
        return max_bytes
    from .resources import text_budget

    return text_budget()


def file_chunks(path: Path, what: str):
    """The file's bytes in chunks (decompressed for ``.gz``). Refused with a ValueError naming the file:
    anything but a regular file (a FIFO would block the reader, a device such as /dev/zero never ends),
    a corrupt or truncated gzip stream (it would otherwise pass for a smaller network)."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise ValueError(f"{path}: cannot read the {what} ({error.strerror or error})") from None
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a pipe or device, not a regular file"
        raise ValueError(f"{path}: the {what} is {kind}; expected a regular file")
    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
    except EOFError:
        raise ValueError(f"{path}: the {what} is a truncated gzip file (it ends before its end marker)") from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise ValueError(
            f"{path}: the {what} is not a valid gzip file ({error}); give a .gz file or rename it"
        ) from None
    except OSError as error:
        raise ValueError(f"{path}: cannot read the {what} ({error.strerror or error})") from None


def _too_large(path: Path, what: str, limit: int) -> str:
    return (
        f"{path}: the {what} holds more than {limit / 2**20:,.0f} MB of text (decompressed), more than can be "
        "read for it here (the memory available bounds a network's); use a smaller file"
    )
