"""Memory word accesses and energy.

A memory access moves `bandwidth_max` bits; a transfer of b bits costs
ceil(b / bandwidth_min) * (bandwidth_min / bandwidth_max) accesses (narrow
transfers still pay for the minimum width), in every instance that is active.
"""

from __future__ import annotations

from math import ceil

from dsec.compiler.diagnostics import DiagnosticError, error
from dsec.cost.traffic import DIRECTIONS, OperandTraffic, Transfer
from dsec.dialect.accelerator import Memory, Port

READS = ("tl", "th")


def port_for(memory: Memory, memory_operand: str, direction: str) -> Port | None:
    for port in memory.ports:
        if (memory_operand, direction) in port.allocation:
            return port
    return None


def word_accesses(transfer: Transfer, port: Port | None, instances: int) -> int:
    """Accesses of one direction over the layer, all instances together."""
    if transfer.amount == 0 or transfer.precision == 0:
        return 0
    if port is None:
        raise ValueError("no port serves this transfer")
    words = ceil(transfer.amount * transfer.precision / port.bandwidth_min)
    return int(words * (port.bandwidth_min / port.bandwidth_max) * transfer.count * instances)


def operand_accesses(traffic: OperandTraffic) -> list[dict[str, int]]:
    """Word accesses per memory level and direction of one operand. Raises
    DiagnosticError at the memory when no port serves a transfer the mapping makes."""
    levels = traffic.levels
    units = levels.unit_counts()
    result = []
    for m, memory in enumerate(levels.memories):
        accesses = {}
        for direction in DIRECTIONS:
            port = port_for(memory, levels.operand.memory_operand, direction)
            transfer = traffic.transfers[m][direction]
            if port is None and transfer.amount and transfer.precision:
                raise missing_port(memory, levels.operand.memory_operand, direction)
            accesses[direction] = word_accesses(transfer, port, units[m + 1])
        result.append(accesses)
    return result


DIRECTION_NAMES = {"fh": "writes from the level above", "tl": "reads to the level below",
                   "fl": "writes from the level below", "th": "reads to the level above"}


def missing_port(memory: Memory, memory_operand: str, direction: str) -> DiagnosticError:
    return error(f"memory @{memory.name} holds {memory_operand} but none of its ports serves "
                 f"{memory_operand}.{direction} ({DIRECTION_NAMES[direction]}), which the mapping needs; add "
                 f"{memory_operand}.{direction} to the allocation of one of its ports", memory.loc)


def access_energy(accesses: dict[str, int], memory: Memory) -> dict[str, float]:
    """pJ per direction: reads cost r_cost, writes w_cost per access."""
    return {d: n * (memory.r_cost if d in READS else memory.w_cost) for d, n in accesses.items()}


def mac_energy(macs: int, unit_energy: float) -> float:
    return macs * unit_energy
