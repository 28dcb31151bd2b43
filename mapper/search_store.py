"""Temporal search results on disk, shared by processes and runs: a sweep's
workers, a cluster's, and a rerun whose points changed but whose layers did
not. A result is named by the SHA-256 of the content of its mapping problem
(the layer's dims and operands, the accelerator, the spatial unrolling, the
required order, the search options) and of dsec's pipeline code, so a changed
cost model never reads an old answer. Source locations are not content: the
same accelerator read from two files shares its results.

A file holds the orders found (JSON, no pickle); reading one costs each order
again with the cost model (one placement and evaluation each, exact: the same
order always gets the same placement), so what comes back equals what the
search returned. Files are written whole (a temporary file renamed), so a reader
sees a whole file or none, and workers that race on one problem both leave a
complete one. A worker about to search a problem holds an flock on its
`.lock` file meanwhile (released by the kernel if the worker dies), so a second
worker on the same problem waits and reads the first one's result instead of
searching too; the lock only saves work, the results never depend on it. A
time-limited search depends on time and is never stored. A search given another
candidate's score to beat (mapper/temporal.py Incumbent) is named with that
score: what it found, or that it was beaten, holds for that score only; one
given the floors of an image's spaces (layer.py) is named with them too."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: workers on one problem both search it
    fcntl = None

from dsec.compiler.output import write_whole
from dsec.cost.allocation import AllocationError
from dsec.cost.levels import effective_unrolling
from dsec.cost.workload import LayerView
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Spatial
from dsec.mapper.temporal import Scored, TemporalOptions, TemporalResult, score_order


@dataclass
class Store:
    folder: Path
    code: str  # the pipeline code's hash (dsec.dse.cache.code_version)
    hits: int = 0
    writes: int = 0


_STORE: Store | None = None


def use_store(folder: str | None, code: str = "") -> None:
    """Keep temporal search results in `folder` from now on in this process (None: not on disk)."""
    global _STORE
    if folder is None:
        _STORE = None
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    if _STORE is None or _STORE.folder != Path(folder) or _STORE.code != code:
        _STORE = Store(Path(folder), code)


def active_store() -> Store | None:
    return _STORE


def content(value: object) -> object:
    """`value` as plain JSON data: dataclasses by the fields that take part in
    their equality (not source locations or derived caches), in field order."""
    if is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__] + [[f.name, content(getattr(value, f.name))] for f in fields(value) if f.compare]
    if isinstance(value, (tuple, list)):
        return [content(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(content(item) for item in value)
    if isinstance(value, dict):
        return [[content(k), content(v)] for k, v in sorted(value.items())]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"no content form for {type(value).__name__}")


def problem_key(task_key: tuple, code: str) -> str:
    """The file name of a temporal search (`task_key`: mapper.layer.temporal_key's)."""
    import hashlib  # only when a store is in use

    text = json.dumps([code, content(task_key)], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def load(task_key: tuple, view: LayerView, accelerator: Accelerator, spatial: Spatial, options: TemporalOptions
         ) -> TemporalResult | str | None:
    """The stored result of this search, or None."""
    if _STORE is None or options.time_limit > 0:
        return None
    try:
        data = json.loads((_STORE.folder / f"{problem_key(task_key, _STORE.code)}.json").read_text(encoding="utf-8"))
        result = _decoded(data, view, accelerator, spatial, options)
    except (OSError, ValueError, KeyError, TypeError):  # missing or unreadable: search again
        return None
    _STORE.hits += 1
    return result


@contextmanager
def searching(task_key: tuple, options: TemporalOptions) -> Iterator[None]:
    """Held while this process searches `task_key` and stores the result: another
    process that wants the same problem waits here, then load() finds it."""
    if _STORE is None or options.time_limit > 0 or fcntl is None:
        yield
        return
    path = _STORE.folder / f"{problem_key(task_key, _STORE.code)}.lock"
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    except OSError:  # a read-only or odd file system: search without waiting
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # no locks on this file system (some network mounts)
            pass
        yield
        # The result is stored: the next process reads it without locking. One that opened
        # this file before the unlink still gets the lock, then finds the result.
        try:
            os.unlink(path)
        except OSError:
            pass
    finally:
        os.close(fd)  # releases the lock


def save(task_key: tuple, result: TemporalResult | str, options: TemporalOptions) -> None:
    if _STORE is None or options.time_limit > 0:
        return
    path = _STORE.folder / f"{problem_key(task_key, _STORE.code)}.json"
    write_whole(os.fspath(path), json.dumps(_encoded(result)))
    _STORE.writes += 1


def _encoded(result: TemporalResult | str) -> dict:
    if isinstance(result, str):
        return {"error": result}
    shortfall = result.shortfall
    return {"best": None if result.best is None else [list(f) for f in result.best.order],
            "front": [[list(f) for f in scored.order] for scored in result.front],
            "evaluated": result.evaluated, "stopped": result.stopped, "beaten": result.beaten,
            "floors": [[[list(f) for f in space], list(floor)] for space, floor in result.floors],
            "shortfall": None if shortfall is None else
            {"operand": shortfall.operand, "memory": shortfall.memory, "needed": shortfall.needed,
             "available": shortfall.available, "reason": shortfall.reason}}


def _decoded(data: dict, view: LayerView, accelerator: Accelerator, spatial: Spatial, options: TemporalOptions
             ) -> TemporalResult | str:
    if "error" in data:
        return str(data["error"])
    unrolling = effective_unrolling(spatial, view.dims, accelerator.array_sizes, fractional=True)

    def scored(order: list) -> Scored:
        found = score_order(view, accelerator, spatial, unrolling, tuple((str(d), int(f)) for d, f in order),
                            options.objective)
        if not isinstance(found, Scored):
            raise ValueError("a stored order no longer fits")
        return found

    front = tuple(scored(order) for order in data["front"])
    best = None
    if data["best"] is not None:
        order = tuple((str(d), int(f)) for d, f in data["best"])
        best = next((s for s in front if s.order == order), None) or scored(data["best"])
    shortfall = data["shortfall"] and AllocationError(**data["shortfall"])
    floors = tuple((tuple((str(d), int(f)) for d, f in space), (float(floor[0]), float(floor[1])))
                   for space, floor in data["floors"])
    return TemporalResult(best, int(data["evaluated"]), shortfall or None, bool(data["stopped"]), front,
                          bool(data["beaten"]), floors)
