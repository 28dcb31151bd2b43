"""Attributes of the dsec IR: types, affine accesses, loops and mapping parts.

Every attribute is an immutable value. Passes build new ones; nothing is
mutated in place, so a module can be shared between passes and caches.
Source locations (`loc`) never take part in equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dsec.compiler.location import Loc

# Element types the IR knows, with their width in bits.
ELEMENT_BITS = {
    "i1": 1, "i4": 4, "i8": 8, "u8": 8, "i16": 16, "u16": 16, "i32": 32, "u32": 32,
    "i64": 64, "u64": 64, "f8": 8, "f16": 16, "bf16": 16, "f32": 32, "f64": 64,
}


@dataclass(frozen=True, slots=True)
class TensorType:
    """`tensor<1x3x224x224xi8>`; a dynamic dimension is None (printed `?`);
    an unknown rank is shape None (printed `tensor<*xf32>`)."""

    shape: tuple[int | None, ...] | None
    element: str

    def __str__(self) -> str:
        if self.shape is None:
            return f"tensor<*x{self.element}>"
        dims = "".join(("?" if d is None else str(d)) + "x" for d in self.shape)
        return f"tensor<{dims}{self.element}>"

    @property
    def is_dynamic(self) -> bool:
        return self.shape is None or any(d is None for d in self.shape)


@dataclass(frozen=True, slots=True)
class AffineExpr:
    """sum(coeff * dim) + constant, e.g. `2*OY + FY - 3`."""

    terms: tuple[tuple[str, int], ...]
    constant: int = 0

    def dims(self) -> tuple[str, ...]:
        return tuple(d for d, _ in self.terms)

    def __str__(self) -> str:
        parts: list[str] = []
        for dim, coeff in self.terms:
            magnitude = abs(coeff)
            text = dim if magnitude == 1 else f"{magnitude}*{dim}"
            if not parts:
                parts.append(text if coeff > 0 else f"-{text}")
            else:
                parts.append(("+ " if coeff > 0 else "- ") + text)
        if self.constant or not parts:
            if not parts:
                parts.append(str(self.constant))
            else:
                parts.append(("+ " if self.constant > 0 else "- ") + str(abs(self.constant)))
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Access:
    """One operand's access in the loop body, `I[B, C, 2*OY + FY - 3, ...]`."""

    operand: str
    indices: tuple[AffineExpr, ...]
    loc: Loc | None = field(default=None, compare=False)

    def dims(self) -> set[str]:
        return {d for index in self.indices for d in index.dims()}

    def __str__(self) -> str:
        return f"{self.operand}[{', '.join(str(i) for i in self.indices)}]"


# How the body combines into the output: `+=` sums over the reduction loops,
# `max=`/`min=` reduce by max/min, `=` writes each output once.
ACCUMULATORS = ("+=", "max=", "min=", "=")
BINARY_OPERATORS = ("*", "+", "-", "/")


@dataclass(frozen=True, slots=True)
class Compute:
    """The loop body: `O[...] += I[...] * W[...]`, `O[...] max= I[...]`,
    or `O[...] = sigmoid(I[...])`.

    `operator` is one of BINARY_OPERATORS (two inputs), "" (one input, copied or
    reduced), or a function name applied to the inputs.
    """

    output: Access
    accumulate: str
    operator: str
    inputs: tuple[Access, ...]
    loc: Loc | None = field(default=None, compare=False)

    def accesses(self) -> tuple[Access, ...]:
        return (self.output, *self.inputs)

    def access(self, operand: str) -> Access | None:
        for access in self.accesses():
            if access.operand == operand:
                return access
        return None

    def __str__(self) -> str:
        if self.operator in BINARY_OPERATORS and len(self.inputs) == 2:
            rhs = f"{self.inputs[0]} {self.operator} {self.inputs[1]}"
        elif self.operator == "" and len(self.inputs) == 1:
            rhs = str(self.inputs[0])
        else:
            rhs = f"{self.operator}({', '.join(str(a) for a in self.inputs)})"
        return f"{self.output} {self.accumulate} {rhs}"


@dataclass(frozen=True, slots=True)
class Loop:
    """A loop factor, `K = 32`. In constraints, factor None is ZigZag's `*`
    (whatever is left of that dimension)."""

    dim: str
    factor: int | None
    loc: Loc | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.dim} = {'*' if self.factor is None else self.factor}"


@dataclass(frozen=True, slots=True)
class SpatialUnroll:
    """The loop factors unrolled on one array dimension, `D1(K = 8, C = 4)`.
    Several factors on one array dimension is mixed unrolling."""

    array_dim: str
    loops: tuple[Loop, ...]
    loc: Loc | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.array_dim}({', '.join(str(loop) for loop in self.loops)})"


@dataclass(frozen=True, slots=True)
class Spatial:
    """A spatial mapping: `spatial D1(K = 32) D2(C = 3)`."""

    unrolls: tuple[SpatialUnroll, ...]
    loc: Loc | None = field(default=None, compare=False)

    def factors(self) -> dict[str, int]:
        """Total spatial factor per loop dimension."""
        result: dict[str, int] = {}
        for unroll in self.unrolls:
            for loop in unroll.loops:
                result[loop.dim] = result.get(loop.dim, 1) * (loop.factor or 1)
        return result

    def __str__(self) -> str:
        return " ".join(str(u) for u in self.unrolls)


@dataclass(frozen=True, slots=True)
class Buffer:
    """`buffer @mem [W, I]`: below this point of the nest the listed operands are
    served from `memory`; that memory holds their tile of the `position`
    innermost temporal loops (plus the spatial unrolling it serves)."""

    memory: str
    operands: tuple[str, ...]
    position: int
    loc: Loc | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Nest:
    """The temporal loop nest, innermost loop first (ZigZag's order), and the
    buffer lines memory-alloc placed in it (empty before memory-alloc), in the
    order they are printed: outermost first."""

    loops: tuple[Loop, ...]
    buffers: tuple[Buffer, ...] = ()
    loc: Loc | None = field(default=None, compare=False)

    def factors(self) -> dict[str, int]:
        """Total temporal factor per loop dimension."""
        result: dict[str, int] = {}
        for loop in self.loops:
            result[loop.dim] = result.get(loop.dim, 1) * (loop.factor or 1)
        return result

    def levels(self, operand: str) -> list[Buffer]:
        """The buffers of one operand, innermost memory first."""
        return [b for b in reversed(self.buffers) if operand in b.operands]


@dataclass(frozen=True, slots=True)
class Locality:
    """Where a layer's tensors live between layers (the layer-locality pass).

    `keep` gives, per operand role, the memory that is the operand's top for
    this layer: an input its producer left there, an output kept there for its
    readers; no traffic for it goes above that memory. `live` gives the bits
    that tensors kept for later layers occupy in a memory while this layer
    runs, which its own tiles cannot use.
    """

    keep: tuple[tuple[str, str], ...]  # (operand role, memory)
    live: tuple[tuple[str, int], ...] = ()  # (memory, bits)
    loc: Loc | None = field(default=None, compare=False)

    def __str__(self) -> str:
        text = "locality {" + ", ".join(f"{role} = @{memory}" for role, memory in self.keep) + "}"
        if self.live:
            text += " live {" + ", ".join(f"@{memory} = {bits}" for memory, bits in self.live) + "}"
        return text


@dataclass(frozen=True, slots=True)
class Constraints:
    """What the user's mapping file requires of a layer (ZigZag schema)."""

    spatial: Spatial | None = None
    # array dim -> loop dims allowed on it (spatial_mapping_hint)
    hint: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    # temporal_ordering, innermost first as in ZigZag's YAML
    order: tuple[Loop, ...] | None = None
    loc: Loc | None = field(default=None, compare=False)
    # The mapping entry they came from, for messages (not in the IR's text, like loc).
    entry: str | None = field(default=None, compare=False)

    def is_empty(self) -> bool:
        return self.spatial is None and self.hint is None and self.order is None
