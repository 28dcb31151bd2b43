"""Finished points, one JSON file each, named by the hash of everything that
decides the result (dsec's code, the model's bytes, the accelerator as set,
the mapping's bytes, the options). A rerun, or an interrupted sweep resumed,
reads them instead of lowering again; a changed input or dsec version misses."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from dsec.compiler.output import write_whole

# What decides a result: the packages of the pipeline (not the CLI, docs or this sweep code).
CODE_PACKAGES = ("compiler", "cost", "dialect", "frontend", "mapper", "passes")


def code_version() -> str:
    """A hash of dsec's pipeline sources, so a changed cost model never reads an old answer."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for package in CODE_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in (".py", ".lark") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


class ResultCache:
    def __init__(self, folder: str | None):
        self.folder = Path(folder) if folder else None
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{key}.json"

    def get(self, key: str) -> dict | None:
        if self.folder is None:
            return None
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # missing, or unreadable: lower the point again
            return None

    def put(self, key: str, row: dict) -> None:
        if self.folder is not None:
            write_whole(os.fspath(self._path(key)), json.dumps(row))  # key order kept: the table's columns
