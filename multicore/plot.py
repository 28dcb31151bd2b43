"""The memory each core holds over the schedule, as an SVG plot (matplotlib, the `plot` extra):
one panel per core with its capacity, read from the schedule's occupancy in the module."""

from __future__ import annotations

import io

from dsec.dialect.ops import Module


def memory_plot_svg(module: Module) -> str:
    from matplotlib.figure import Figure  # the plot extra; Figure needs no pyplot backend

    schedule = module.schedule
    if schedule is None:
        raise ValueError("the module has no schedule; run the schedule pass first")
    held = schedule["occupancy"]
    latency = schedule["latency_cycles"]
    figure = Figure(figsize=(8, 1.2 + 1.4 * len(held)))
    axes = figure.subplots(len(held), 1, sharex=True, squeeze=False)[:, 0]
    for ax, line in zip(axes, held):
        capacity = schedule["cores"][line["core"]]["capacity_bits"]
        times = list(line["at"]) + [max(latency, line["at"][-1])]
        bits = list(line["bits"]) + [line["bits"][-1]]
        ax.step(times, [b / 8192 for b in bits], where="post", linewidth=1)
        ax.axhline(capacity / 8192, linestyle="--", linewidth=0.8, color="tab:red")
        ax.set_ylabel(f"{line['core']}\nKiB", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[-1].set_xlabel("cycle")
    figure.suptitle(f"Memory held per core: {module.name} on {module.multicore.name} (dashed: capacity)",
                    fontsize=9)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    return buffer.getvalue()
