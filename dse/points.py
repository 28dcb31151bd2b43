"""The points of a sweep: each model crossed with the axes' settings (or the
explicit list), as plain data a worker process or a cluster can take."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from dsec.dse.spec import SweepSpec


@dataclass(frozen=True)
class Point:
    index: int
    model: str
    accelerator: str  # the base accelerator file, or the one an `accelerator` axis chose
    mapping: str | None
    overrides: tuple[tuple[str, object], ...]  # dotted accelerator keys
    options: tuple[tuple[str, object], ...]  # LowerOptions fields
    params: tuple[tuple[str, object], ...]  # (axis, label): the columns that say which point this is


def expand(spec: SweepSpec) -> list[Point]:
    points = []
    settings_per_axis = [axis.settings for axis in spec.axes]
    for model in spec.models:
        for combination in itertools.product(*settings_per_axis):
            accelerator, mapping, options = spec.accelerator, spec.mapping, dict(spec.options)
            overrides = []
            for setting in combination:
                for key, value in setting.assignments:
                    if key == "accelerator":
                        accelerator = value
                    elif key == "mapping":
                        mapping = value
                    elif key.startswith("options."):
                        options[key.removeprefix("options.")] = value
                    else:
                        overrides.append((key, value))
            params = tuple((axis.name, setting.label) for axis, setting in zip(spec.axes, combination))
            points.append(Point(len(points), model, accelerator, mapping, tuple(overrides),
                                tuple(sorted(options.items())), params))
    return points
