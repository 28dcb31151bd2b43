"""Write outputs whole or not at all: a crash or a full disk never leaves a
half-written file where the user expects a result."""

from __future__ import annotations

import os
import sys
import tempfile


def write_whole(path: str, text: str) -> None:
    """Write `text` to `path` ('-' is stdout) through a temporary file in the
    same folder, renamed into place only once complete."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".dsec-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
