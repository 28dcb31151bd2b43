"""The accelerator a module targets: everything the passes need from the
ZigZag accelerator YAML, carried inside the IR so a module is self-contained."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod

from dsec.compiler.location import Loc

PORT_TYPES = ("read", "write", "read_write")
# fh: write from higher level, tl: read to lower level,
# fl: write from lower level, th: read to higher level.
DIRECTIONS = ("fh", "tl", "fl", "th")
MEMORY_OPERANDS = ("I1", "I2", "O")


@dataclass(frozen=True, slots=True)
class Port:
    name: str
    type: str
    bandwidth_min: int
    bandwidth_max: int
    allocation: tuple[tuple[str, str], ...]  # (memory operand, direction)
    loc: Loc | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Memory:
    name: str
    size: int  # bits
    r_cost: float  # pJ per read of one bandwidth_max word
    w_cost: float
    area: float
    latency: int
    operands: tuple[str, ...]  # memory operands held: I1, I2, O
    served_dimensions: tuple[str, ...]  # array dims that share one copy
    ports: tuple[Port, ...]
    # ZigZag's force_double_buffering: tiles here take twice their size.
    force_double_buffering: bool = False
    loc: Loc | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ImcArray:
    """An in-memory-computing operational array (ZigZag-IMC): the SRAM macro's
    parameters; the weights sit in the memory named `cells` (operand I2)."""

    imc_type: str  # "analog" or "digital"
    activation_precision: int  # bits
    weight_precision: int  # bits
    bit_serial_precision: int  # activation bits fed per cycle
    adc_resolution: int = 0  # bits; analog only

    @property
    def is_analog(self) -> bool:
        return self.imc_type == "analog"

    @property
    def cycles_per_op(self) -> float:
        """Cycles one MAC takes: the activation enters B bits at a time."""
        return self.activation_precision / self.bit_serial_precision


CELLS = "cells"  # the name ZigZag gives the memory inside an IMC array


@dataclass(frozen=True, slots=True)
class Accelerator:
    name: str
    array: tuple[tuple[str, int], ...]  # (array dimension, size), e.g. (("D1", 32), ...)
    unit_energy: float  # pJ per MAC
    unit_area: float
    memories: tuple[Memory, ...]  # lowest level first
    # Array dims along which data moves PE to PE, one unit per cycle.
    systolic_dimensions: tuple[str, ...] = ()
    loc: Loc | None = field(default=None, compare=False)
    imc: ImcArray | None = None  # an in-memory-computing array: the macro model replaces unit_energy
    # Derived once: the cost model asks for hierarchies on its hot path.
    _hierarchies: dict[str, tuple[Memory, ...]] = field(init=False, repr=False, compare=False)
    _levels: dict[tuple[str, str], int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        operands = {op for memory in self.memories for op in memory.operands}
        hierarchies = {op: tuple(m for m in self.memories if op in m.operands) for op in operands}
        object.__setattr__(self, "_hierarchies", hierarchies)
        object.__setattr__(self, "_levels", {(op, m.name): i for op, levels in hierarchies.items()
                                             for i, m in enumerate(levels)})

    @property
    def array_sizes(self) -> dict[str, int]:
        return dict(self.array)

    @property
    def num_pes(self) -> int:
        return prod(size for _, size in self.array)

    def memory(self, name: str) -> Memory | None:
        for mem in self.memories:
            if mem.name == name:
                return mem
        return None

    def hierarchy(self, memory_operand: str) -> tuple[Memory, ...]:
        """The memories holding one memory operand, lowest level first."""
        return self._hierarchies.get(memory_operand, ())

    def level(self, memory_operand: str, memory: str) -> int:
        """The index of `memory` in the hierarchy of `memory_operand`."""
        return self._levels[(memory_operand, memory)]

    def copies(self, memory: Memory) -> int:
        """How many instances of a memory exist: one per point of the array
        dimensions it does not serve."""
        return prod(size for dim, size in self.array if dim not in memory.served_dimensions)
