"""Data moved per operand, memory level and direction.

Directions (ZigZag's): `fh` written from the higher level, `tl` read to the
lower level, `fl` written from the lower level, `th` read to the higher level.
A transfer happens `count` times, once per `period` cycles, and moves `amount`
elements of `precision` bits into or out of one instance of the memory.
Output partial sums flow back down (`tl`, `fh`) while an irrelevant loop of
the output sits above the level.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from dsec.cost.levels import OperandLevels, bandwidth_boost, top_loop_products
from dsec.cost.workload import LayerView, tensor_elements

DIRECTIONS = ("fh", "tl", "fl", "th")


@dataclass(frozen=True, slots=True)
class Transfer:
    amount: float = 0  # elements per period, per memory instance
    precision: int = 0  # bits per element
    period: int = 0  # cycles between transfers
    count: int = 0  # transfers in the layer
    average_bandwidth: int = 0  # bits per cycle needed on average
    window: int = 0  # cycles available when the memory is not double-buffered
    elements: int = 0  # elements moved in the layer, all instances (for the report)

    @property
    def bits(self) -> float:
        return self.amount * self.precision


NO_TRANSFER = Transfer()


@dataclass(frozen=True, slots=True)
class OperandTraffic:
    """One operand's data movement: `transfers[m][direction]` for memory level m,
    and the tile sizes per arch level (0 = one PE, m + 1 = memory level m)."""

    levels: OperandLevels
    transfers: tuple[dict[str, Transfer], ...]
    tile_elements: tuple[int, ...]  # per instance
    tile_bits: tuple[int, ...]  # per instance
    effective_bits: tuple[int, ...]  # the part refreshed at once (tile / outermost relevant loops)
    total_cycles: float


def _extents(levels) -> list[dict[str, float]]:
    """Cumulative extent of each dim at and below each level."""
    result, extents = [], {}
    for level in levels:
        extents = dict(extents)
        for dim, factor in level:
            extents[dim] = extents.get(dim, 1) * factor
        result.append(extents)
    return result


def _loop_product(extents: dict[str, float]) -> float:
    return prod(extents.values()) if extents else 1


def psum_levels(view: LayerView, with_spatial: list[tuple]) -> list[bool]:
    """For each arch level of the output, True when it holds partial sums:
    an irrelevant loop of the output runs at that level or above."""
    output = view.output
    flags = [any(not output.depends_on(dim) and factor > 1 for dim, factor in level) for level in with_spatial]
    return [any(flags[lv:]) for lv in range(1, len(flags))] + [False]


def operand_traffic(view: LayerView, levels: OperandLevels, is_output: bool, lowest_read_bandwidth: int | None
                    ) -> OperandTraffic:
    """`lowest_read_bandwidth`: bits per access the lowest memory reads towards
    the array; when one access covers all a PE needs, repeated reads of the
    same word are free (ZigZag's access_same_data_considered_as_no_access)."""
    operand = levels.operand
    memories = len(levels.memories)
    seed = [()] + list(levels.temporal) + [()]
    same_level = [seed[lv] + levels.spatial[lv] for lv in range(memories + 1)]
    shifted = [()] + [seed[lv + 1] + levels.spatial[lv] for lv in range(memories + 1)]
    shifted = shifted[: memories + 1]

    ext_same, ext_shifted = _extents(same_level), _extents(shifted)
    r_same = [tensor_elements(operand, e) for e in ext_same]
    exact_shifted = [tensor_elements(operand, e) for e in ext_shifted]
    r_shifted = [round(r) for r in exact_shifted]
    reuse_same = [_loop_product(e) / r for e, r in zip(ext_same, r_same)]
    reuse_shifted = [_loop_product(e) / r for e, r in zip(ext_shifted, exact_shifted)]
    accesses = [round(view.macs / r) for r in reuse_same]
    accesses_shifted = [round(view.macs / r) for r in reuse_shifted]

    if is_output:
        psum = psum_levels(view, same_level)
        precision = [operand.precision if psum[i] else operand.final_precision for i in range(memories + 1)]
        irrelevant = [prod(f for d, f in level if not operand.depends_on(d)) for level in same_level]
        above = [prod(irrelevant[lv:]) for lv in range(memories + 1)] + [1, 1]
        cycles = [1.0] + levels.cycles_per_level()
    else:
        psum = [False] * (memories + 1)
        precision = [operand.precision] * (memories + 1)
        cycles = [levels.stationary_cycles] + levels.cycles_per_level()
    total_cycles = levels.cycles_per_level()[-1] if memories else 1.0

    unique = levels.unique_units()
    tile_bits = [r_shifted[lv] * precision[lv] for lv in range(memories + 1)]
    boost = bandwidth_boost(unique)
    need_low = [r_shifted[lv] * precision[lv] / cycles[lv] for lv in range(memories + 1)]
    need_high = [need_low[lv] * boost[lv] for lv in range(memories + 1)]
    top_r, top_ir = top_loop_products(list(levels.temporal), operand)
    effective = [tile_bits[lv] // top_r[lv] for lv in range(memories + 1)]

    def transfer(amount, bits, level, average, elements, scaling) -> Transfer:
        period = int(cycles[level])
        return Transfer(amount, bits, period, int(total_cycles // cycles[level]), int(average), int(period / scaling),
                        elements)

    size = tensor_elements(operand, view.dims)
    per_level: list[dict[str, Transfer]] = []
    for m in range(memories):
        here, up = top_ir[m], top_ir[m + 1]
        if not is_output:
            read_down = accesses[m]
            if m == 0 and lowest_read_bandwidth is not None:
                held = round(r_shifted[0] * unique[0]) * precision[0] // unique[1]
                if lowest_read_bandwidth >= held:
                    read_down = int(accesses[0] / levels.stationary_cycles)
            moves = {
                "tl": transfer(r_shifted[m] * boost[m], precision[m], m, need_high[m], read_down, here),
                "fh": transfer(r_shifted[m + 1], precision[m + 1], m + 1, need_low[m + 1], accesses_shifted[m + 1],
                               up),
                "fl": NO_TRANSFER, "th": NO_TRANSFER,
            }
        else:
            read_back = int(size * (above[m + 1] - 1))
            write_back = int(size * (above[m + 2] - 1))
            partial, final = operand.precision, operand.final_precision
            up_bits = (partial, partial) if write_back else (0, final)  # (fh, th)
            low_bits = (partial, partial) if read_back else (final, 0)  # (fl, tl)
            fl = transfer(int(r_shifted[m] * boost[m]), low_bits[0], m, need_high[m], accesses[m], here)
            th = transfer(r_shifted[m + 1], up_bits[1], m + 1, need_low[m + 1], accesses_shifted[m + 1], up)
            tl = Transfer(fl.amount, low_bits[1], fl.period, fl.count, fl.average_bandwidth, fl.window, read_back) \
                if psum[m] else NO_TRANSFER
            fh = Transfer(th.amount, up_bits[0], th.period, th.count, th.average_bandwidth, th.window, write_back) \
                if psum[m + 1] else NO_TRANSFER
            moves = {"fh": fh, "tl": tl, "fl": fl, "th": th}
        if m == memories - 1:
            # Nothing above the top memory: traffic with the outside world is not counted.
            moves["fh"] = NO_TRANSFER
            moves["th"] = NO_TRANSFER
        per_level.append(moves)
    return OperandTraffic(levels, tuple(per_level), tuple(r_shifted), tuple(tile_bits), tuple(effective),
                          total_cycles)
