"""Reading a file a user named (a question set, a bundle, a model folder's config): a regular file only, and
never more than its cap. A device such as /dev/zero reports size 0 and never ends, and a FIFO blocks its
reader, so neither the size nor a plain ``open`` is a check: the file is opened without blocking, what was
opened is checked, and at most the cap plus one byte is read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_CONFIG_BYTES = 1_000_000
"""A model folder's config.json or tokenizer_config.json: larger is not a model config."""


class UserFileError(ValueError):
    """A file that cannot be read as asked; the message names it and, past its cap, the cap."""

    for_user = True


def size_text(size: int) -> str:
    """Bytes for people: ``10 MB``, ``64 KB``, ``4 bytes``."""
    if size >= 2**20:
        return f"{size / 2**20:.0f} MB"
    return f"{size / 2**10:.0f} KB" if size >= 2**10 else f"{size} bytes"


def read_user_file(path: str | Path, cap: int, what: str = "the file") -> bytes:
    """The bytes of ``path``, at most ``cap`` of them; UserFileError when it is missing, unreadable, not a regular
    file, or longer than ``cap``."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO opens without waiting for a writer
    except OSError as exc:
        raise UserFileError(f"cannot read {what} {path}: {exc.strerror}") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # what was opened, not what the name pointed to before
        os.close(descriptor)
        raise UserFileError(f"{what} {path} is not a regular file (a device, FIFO or folder cannot be read)")
    with os.fdopen(descriptor, "rb") as handle:
        try:
            raw = handle.read(cap + 1)
        except OSError as exc:
            raise UserFileError(f"cannot read {what} {path}: {exc.strerror}") from None
    if len(raw) > cap:
        raise UserFileError(f"{what} {path} is over {size_text(cap)}: at most that is read")
    return raw
