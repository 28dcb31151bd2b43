"""Write outputs whole or not at all: a crash, Ctrl-C or a full disk never
leaves a half-written file where the user expects a result. Output paths are
checked before any long work, so a typo in `-o` costs no search."""

from __future__ import annotations

import os
import sys


def output_path_problem(path: str) -> str | None:
    """Why `path` cannot be written (a sentence naming it), or None when it can.
    '-' is stdout. Checks what is known before the work: the path is not a
    folder, its folder exists, and both are writable."""
    if path == "-":
        return None
    if not path:
        return "the output path is empty; give a file name or '-' for stdout"
    if path.endswith(os.sep) or os.path.isdir(path):
        return f"cannot write '{path}': it is a folder; give a file name inside it"
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        what = "is not a folder" if os.path.exists(folder) else "does not exist"
        return f"cannot write '{path}': folder '{folder}' {what}; create it first"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write '{path}': no write permission in folder '{folder}'"
    if os.path.exists(path) and not os.access(path, os.W_OK):
        return f"cannot write '{path}': the file is read-only"
    return None


def _new_file_mode(path: str) -> int:
    """The mode the file would get from open(): an existing file keeps its
    own; a new one gets 0666 less the umask (mkstemp's files are 0600)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_whole(path: str, text: str) -> None:
    """Write `text` to `path` ('-' is stdout) through a temporary file in the
    same folder, renamed into place only once complete."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    folder = os.path.dirname(os.path.abspath(path))
    mode = _new_file_mode(path)
    import tempfile  # here: its imports (shutil, random) cost every command that writes only to stdout

    fd, tmp = tempfile.mkstemp(prefix=".dsec-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
