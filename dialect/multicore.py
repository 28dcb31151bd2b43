"""A multi-core accelerator as Stream describes it: cores (each a ZigZag accelerator, or the
off-chip DRAM controller), point-to-point links and shared buses between them, and the core
that fronts off-chip memory."""

from __future__ import annotations

from dataclasses import dataclass, field

from dsec.compiler.location import Loc
from dsec.dialect.accelerator import Accelerator, Memory

COMPUTE, OFFCHIP = "compute", "offchip"


@dataclass(frozen=True, slots=True)
class Core:
    id: int
    kind: str  # compute or offchip
    accelerator: Accelerator  # for the off-chip core: its DRAM as the only memory
    # Op types this core runs (Stream's operator_types); empty: any op a compute core maps.
    operator_types: tuple[str, ...] = ()
    # Stream's operand_precision: bits of inputs/weights and of partial sums, when given.
    input_bits: int | None = None
    accumulator_bits: int | None = None
    loc: Loc | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return f"core{self.id}"

    @property
    def top_memory(self) -> Memory:
        """Where tensors stay between CNs: the last (highest) memory of the core."""
        return self.accelerator.memories[-1]

    @property
    def capacity_bits(self) -> int:
        return self.top_memory.size

    def runs(self, op_type: str) -> bool:
        if self.kind != COMPUTE:
            return False
        return op_type in self.operator_types if self.operator_types else True

    @property
    def read_pj_per_bit(self) -> float:
        return _per_bit(self.top_memory, "read", self.top_memory.r_cost)

    @property
    def write_pj_per_bit(self) -> float:
        return _per_bit(self.top_memory, "write", self.top_memory.w_cost)

    def port_bandwidth(self) -> int:
        """Bits per cycle the top memory moves in one direction (the off-chip port's width)."""
        return max(port.bandwidth_max for port in self.top_memory.ports)


def _per_bit(memory: Memory, direction: str, cost: float) -> float:
    widths = [p.bandwidth_max for p in memory.ports if p.type in (direction, "read_write")]
    return cost / max(widths) if widths else 0.0


@dataclass(frozen=True, slots=True)
class Connection:
    """A link (two cores) or a bus (several cores, one transfer at a time)."""

    index: int
    kind: str  # link or bus
    cores: tuple[int, ...]
    bandwidth: float  # bits per cycle
    unit_energy: float  # pJ per bit
    loc: Loc | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return f"{self.kind}{self.index}"


@dataclass(frozen=True, slots=True)
class MultiCore:
    name: str
    cores: tuple[Core, ...]
    connections: tuple[Connection, ...]
    offchip: int  # id of the core that fronts DRAM
    loc: Loc | None = field(default=None, compare=False)

    def core(self, core_id: int) -> Core:
        return self.cores[core_id]

    @property
    def compute_cores(self) -> tuple[Core, ...]:
        return tuple(c for c in self.cores if c.kind == COMPUTE)

    def cores_for(self, op_type: str) -> tuple[Core, ...]:
        """Cores that run `op_type`: those that list it first, else the general compute cores."""
        listed = tuple(c for c in self.compute_cores if op_type in c.operator_types)
        return listed or tuple(c for c in self.compute_cores if not c.operator_types)
