"""The dsec passes, one per file, and the registry of their names."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from dsec.compiler.pass_base import Pass

# Pipeline name -> (module under dsec.passes, pass class). A new pass is added here and nowhere else.
_WHERE: dict[str, tuple[str, str]] = {
    "fuse-elementwise": ("fuse_elementwise", "FuseElementwisePass"),
    "layer-locality": ("layer_locality", "LayerLocalityPass"),
    "spatial-unroll": ("spatial_unroll", "SpatialUnrollPass"),
    "temporal-tile": ("temporal_tile", "TemporalTilePass"),
    "memory-alloc": ("memory_alloc", "MemoryAllocPass"),
    "cost-annotate": ("cost_annotate", "CostAnnotatePass"),
    "cost-report": ("cost_report", "CostReportPass"),
    "strip": ("strip", "StripPass"),
    "tile-layers": ("tile_layers", "TileLayersPass"),
    "allocate-cores": ("allocate_cores", "AllocateCoresPass"),
    "schedule": ("schedule", "SchedulePass"),
}


class _Registry(Mapping):
    """Pipeline name -> pass class, each pass's module imported when its class is first asked for:
    a pipeline imports the passes it runs (the multi-core flow needs neither cost-report's report
    formats nor layer-locality)."""

    def __getitem__(self, name: str) -> type[Pass]:
        module, cls = _WHERE[name]
        return getattr(importlib.import_module(f"dsec.passes.{module}"), cls)

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)


PASSES: Mapping[str, type[Pass]] = _Registry()
