"""Writing output files all or nothing: a backup, an export, a template, a review report.

Each file is written to a temporary file beside its target and renamed into place only when
every file is written. A failure (an unwritable folder, a path that is a folder, a full disk)
becomes one :class:`~chikuden.roadmap.errors.LedgerError` line, and nothing is left behind:
no temporary file, no half-written target, no folder this call created.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path

from chikuden.roadmap.errors import LedgerError

Writer = Callable[[Path], object]
"""Writes one file's content to the path it is given."""


def write_files(files: Sequence[tuple[Path, Writer]], option: str = "file") -> None:
    """Write each ``(target, writer)``; all targets appear, or none and no new folder.

    ``option`` names the command-line argument the paths came from, for the message.
    """
    created: list[Path] = []
    temporary: list[tuple[Path, Path]] = []
    target = files[0][0] if files else Path()
    try:
        for target, writer in files:
            if target.is_dir():
                raise IsADirectoryError(21, "is a folder")
            for folder in reversed([*target.parents]):
                if not folder.exists():
                    folder.mkdir()
                    created.append(folder)
            tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
            temporary.append((tmp, target))
            writer(tmp)
        for tmp, target in temporary:
            tmp.replace(target)
    except BaseException as exc:
        for tmp, _ in temporary:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        for folder in reversed(created):
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(exc, LedgerError) or not isinstance(exc, OSError | ValueError):
            raise  # ValueError: a NUL in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise LedgerError(
            f"{option}: cannot write {str(target)[:200]!r} ({reason}); choose a path in a "
            "folder you can write to"
        ) from None


def write_file(path: Path, writer: Writer, option: str = "file") -> None:
    """Write one file all or nothing (see :func:`write_files`)."""
    write_files([(path, writer)], option)
