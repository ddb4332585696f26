"""Writing export files whole or not at all.

Every file a coordinator or analyst gets is written next to its place under a hidden name
(``.<name>.part``) and renamed into place once complete (:func:`os.replace`, atomic on one
file system): a failure half-way (a full disk, a folder in the way, an error in the writer)
leaves no half-written file and never damages an earlier file at that place.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["part_path", "written_whole"]


def part_path(path: Path) -> Path:
    """The hidden file ``path`` is written as before it is renamed: ``.<name>.part`` beside it."""
    return path.with_name(f".{path.name}.part")


@contextmanager
def written_whole(*paths: Path) -> Iterator[list[Path]]:
    """Yield a part file (:func:`part_path`) for each of ``paths`` to write; when the block
    ends without an error, rename each into its place, in order. Whatever happens, no part
    file is left behind.

    Args:
        paths: The files' places.

    Yields:
        The part files, in the order of ``paths``.

    Raises:
        OSError: A rename failed (the places not yet renamed keep what they had).
    """
    parts = [part_path(path) for path in paths]
    try:
        yield parts
        for part, path in zip(parts, paths, strict=True):
            part.replace(path)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
