"""A one-line progress bar on stderr: what is counted, how far, and an ETA."""

from __future__ import annotations

import time

import click


class ProgressBar:
    """`spatial-unroll [#####.....] 12/21 searches, 0:04 left`, redrawn in place.
    The count is distinct layer searches (layers with the same shapes share
    one), so it can differ from the number of layers."""

    def __init__(self, width: int = 30, clock=time.monotonic):
        self.width = width
        self.clock = clock
        self._started: dict[str, float] = {}

    def __call__(self, step: str, done: int, total: int) -> None:
        now = self.clock()
        started = self._started.setdefault(step, now)
        filled = self.width * done // max(total, 1)
        end = "\n" if done >= total else ""
        click.echo(f"\r{step:<15} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} searches"
                   f"{eta_text(now - started, done, total)}{end}", err=True, nl=False)


def eta_text(elapsed: float, done: int, total: int) -> str:
    """', 0:12 left' from the mean time per search so far; nothing before the first is done."""
    if done <= 0 or done >= total:
        return f", {_clock(elapsed)} elapsed" if done >= total else ""
    left = elapsed / done * (total - done)
    return f", {_clock(left)} left"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"
