"""The dsec passes, one per file, and the registry of their names."""

from __future__ import annotations

from dsec.compiler.pass_base import Pass
from dsec.passes.allocate_cores import AllocateCoresPass
from dsec.passes.cost_annotate import CostAnnotatePass
from dsec.passes.cost_report import CostReportPass
from dsec.passes.fuse_elementwise import FuseElementwisePass
from dsec.passes.layer_locality import LayerLocalityPass
from dsec.passes.memory_alloc import MemoryAllocPass
from dsec.passes.spatial_unroll import SpatialUnrollPass
from dsec.passes.strip import StripPass
from dsec.passes.schedule import SchedulePass
from dsec.passes.temporal_tile import TemporalTilePass
from dsec.passes.tile_layers import TileLayersPass

# Pipeline name -> pass class. A new pass is added here and nowhere else.
PASSES: dict[str, type[Pass]] = {
    cls.name: cls for cls in (FuseElementwisePass, LayerLocalityPass, SpatialUnrollPass, TemporalTilePass, MemoryAllocPass, CostAnnotatePass,
                                 CostReportPass, StripPass, TileLayersPass, AllocateCoresPass, SchedulePass)
}
