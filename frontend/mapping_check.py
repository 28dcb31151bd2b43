"""No silent mapping input: a loop dimension a mapping entry names must exist in
the model. A dim that no layer of the model has is a typo (`OXX`, `Q`) and an
error with a did-you-mean; a dim that only some of the entry's layers lack is
dropped for those layers (one entry serves layers of many shapes, as in
ZigZag), and one grouped note says where."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from dsec.compiler.diagnostics import Diagnostic
from dsec.compiler.location import Loc
from dsec.frontend.mapping_loader import MappingEntry

# ZigZag's loop dimension names, suggested besides the model's own dims.
ZIGZAG_DIMS = ("B", "K", "C", "G", "OY", "OX", "OZ", "FY", "FX", "IY", "IX", "D", "H")
NOTE_LAYERS = 4  # layer names listed per dropped dim before "+N more"


def entry_dims(entry: MappingEntry) -> list[tuple[str, str, Loc | None]]:
    """(dim, where in the entry, location) of every loop dim the entry names."""
    named = []
    for unroll in entry.spatial or ():
        named += [(loop.dim, f"spatial_mapping {unroll.array_dim}", loop.loc or unroll.loc or entry.loc)
                  for loop in unroll.loops]
    for array_dim, dims in entry.hint or ():
        named += [(dim, f"spatial_mapping_hint {array_dim}", entry.loc) for dim in dims]
    named += [(loop.dim, "temporal_ordering", loop.loc or entry.loc) for loop in entry.order or ()]
    return named


def check_mapping_dims(uses: Iterable[tuple[MappingEntry, str, dict[str, int]]]) -> list[Diagnostic]:
    """Diagnostics for the entries the model's layers use: `uses` holds
    (entry, layer name, layer dims) per layer. Errors first, then one note."""
    uses = list(uses)
    model_dims = {dim for _, _, dims in uses for dim in dims}
    errors: list[Diagnostic] = []
    dropped: dict[tuple[str, str], list[str]] = {}  # (entry, dim) -> layers that lack it
    reported: set[tuple[str, str]] = set()
    for entry, layer, dims in uses:
        for dim, where, loc in entry_dims(entry):
            if dim in dims:
                continue
            if dim not in model_dims:
                if (entry.name, dim) not in reported:
                    reported.add((entry.name, dim))
                    errors.append(Diagnostic("error", _unknown_dim(dim, where, entry.name, model_dims), loc))
                continue
            layers = dropped.setdefault((entry.name, dim), [])
            if layer not in layers:
                layers.append(layer)
    if errors:
        return errors
    return [_dropped_note(dropped)] if dropped else []


def _unknown_dim(dim: str, where: str, entry: str, model_dims: set[str]) -> str:
    known = sorted(model_dims | set(ZIGZAG_DIMS))
    close = difflib.get_close_matches(dim, known, n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return (f"{where} of mapping entry '{entry}' names loop dimension '{dim}', which no layer of the model has; "
            f"{hint}the model's layers have {', '.join(sorted(model_dims))}")


def _dropped_note(dropped: dict[tuple[str, str], list[str]]) -> Diagnostic:
    # Dims of one entry dropped for the same layers share a part: "'default' K, C for 17 layers (...)".
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for (entry, dim), layers in dropped.items():
        groups.setdefault((entry, tuple(layers)), []).append(dim)
    parts = []
    for (entry, layers), dims in groups.items():
        shown = ", ".join(layers[:NOTE_LAYERS]) + (f" +{len(layers) - NOTE_LAYERS} more" if len(layers) > NOTE_LAYERS
                                                    else "")
        parts.append(f"'{entry}' {', '.join(dims)} for {len(layers)} layer{'s' if len(layers) > 1 else ''} ({shown})")
    return Diagnostic("note", "mapping entries name dims some of their layers lack; those parts are not used for "
                              "those layers: " + "; ".join(parts))
