"""No silent mapping input: a loop dimension a mapping entry names must exist in
the model. A dim that no layer of the model has is a typo (`OXX`, `Q`) and an
error with a did-you-mean; a dim that only some of the entry's layers lack is
dropped for those layers (one entry serves layers of many shapes, as in
ZigZag), with a note per layer that group_diagnostics merges into one per entry,
naming the layers. A spatial_mapping's dims are not in that note: where they
are missing the mapping collapses, and spatial-unroll, which searches what
applies of it beside generated candidates, warns there; for the same reason a
ZigZag dim (K, C) that no layer has is no error there (a network of depthwise
convolutions under a `default` entry written for convolutions)."""

from __future__ import annotations

from collections.abc import Iterable

from dsec.compiler.diagnostics import Diagnostic, per_mapping_entry
from dsec.compiler.location import Loc
from dsec.frontend.mapping_loader import MappingEntry

# ZigZag's loop dimension names, suggested besides the model's own dims.
ZIGZAG_DIMS = ("B", "K", "C", "G", "OY", "OX", "OZ", "FY", "FX", "IY", "IX", "D", "H")


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
    (entry, layer name, layer dims) per layer. The errors if any, else a note
    per layer that lacks dims its entry names (grouped per entry)."""
    uses = list(uses)
    model_dims = {dim for _, _, dims in uses for dim in dims}
    errors: list[Diagnostic] = []
    notes: list[Diagnostic] = []
    reported: set[tuple[str, str]] = set()
    for entry, layer, dims in uses:
        lacking = []
        for dim, where, loc in entry_dims(entry):
            spatial = where.startswith("spatial_mapping ")
            if dim in dims or (spatial and dim in model_dims | set(ZIGZAG_DIMS)):
                continue
            if dim not in model_dims:
                if (entry.name, dim) not in reported:
                    reported.add((entry.name, dim))
                    errors.append(Diagnostic("error", _unknown_dim(dim, where, entry.name, model_dims), loc))
            elif dim not in lacking:
                lacking.append(dim)
        if lacking:
            notes.append(_dropped_note(entry, layer, lacking))
    return errors or notes


def _unknown_dim(dim: str, where: str, entry: str, model_dims: set[str]) -> str:
    known = sorted(model_dims | set(ZIGZAG_DIMS))
    import difflib  # only when a dim is wrong

    close = difflib.get_close_matches(dim, known, n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return (f"{where} of mapping entry '{entry}' names loop dimension '{dim}', which no layer of the model has; "
            f"{hint}the model's layers have {', '.join(sorted(model_dims))}")


def _dropped_note(entry: MappingEntry, layer: str, dims: list[str]) -> Diagnostic:
    detail = f"{', '.join(dims)} left out"
    group = per_mapping_entry(entry.name, entry.loc, layer, "loop dims some of its layers lack are not used for them",
                              detail)
    return Diagnostic("note", f"mapping entry '{entry.name}': {', '.join(dims)} not used for layer {layer}, which "
                              f"lacks them", entry.loc, group=group)
