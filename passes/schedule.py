"""`schedule`: cost every CN on its core with dsec's mapper, list-schedule the CNs and their
transfers (multicore/scheduler.py), and write each CN's time and the module's `schedule`
(latency, energy by kind, utilization of cores and links, every transfer). The schedule is
checked (multicore/checker.py); a violation is reported as a bug in dsec."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from dsec.compiler.diagnostics import DiagnosticError, error
from dsec.compiler.pass_base import Pass, PassContext, option, rewrite_layers
from dsec.dialect.ops import Module
from dsec.multicore.checker import check_schedule
from dsec.mapper.temporal import DEFAULT_LPF_LIMIT
from dsec.multicore.cn_cost import CNSearch
from dsec.multicore.evaluate import cn_costs
from dsec.multicore.ir import allocation_of, check_cn_lines, plan_of, schedule_attr
from dsec.multicore.plan import FUSED, cn_priority
from dsec.multicore.scheduler import list_schedule
from dsec.multicore.tiling import tile_layers


@dataclass
class SchedulePass(Pass):
    name = "schedule"
    summary = "Cost each CN on its core and list-schedule CNs and transfers (multi-core)"
    objective: Literal["latency", "energy", "edp"] = option("latency", "what each CN's mapping on its core minimises")
    candidates: int = option(3, "spatial candidates scored per CN mapping (stream-dse 2.1.1 maps with 1)")
    lpf_limit: int = option(DEFAULT_LPF_LIMIT, "loop prime factors of each CN's temporal search (stream-dse 2.1.1: "
                                               "LOMA at 6)")

    def run(self, module: Module, ctx: PassContext) -> Module:
        if module.multicore is None:
            ctx.diagnostics.error(f"{self.name}: the module has no multicore accelerator", module.loc)
            return module
        if self.candidates < 1 or self.lpf_limit < 1:
            ctx.diagnostics.error(f"{self.name}: candidates and lpf-limit must be at least 1 (got "
                                  f"{self.pipeline_text()})", module.loc)
            return module
        try:
            plan = plan_of(module)
            graph = tile_layers(module, plan.tilings)
            check_cn_lines(module, graph)
            allocation = allocation_of(module)
            op_types = {layer.symbol: layer.op_type for layer in module.layers()}
            for cn, core in allocation.items():
                layer = graph.cns[cn].layer
                if not 0 <= core < len(module.multicore.cores) or not module.multicore.core(core).runs(op_types[layer]):
                    raise error(f"cn {cn} of @{layer} is on core {core}, which does not run {op_types[layer]}",
                                module.loc)
            costs = cn_costs(module, module.multicore, graph, allocation, self.objective,
                             CNSearch(self.candidates, self.lpf_limit))
            schedule = list_schedule(module.multicore, graph, allocation, costs, cn_priority(graph, FUSED))
        except DiagnosticError as exc:
            ctx.diagnostics.extend(exc.diagnostics)
            return module
        problems = check_schedule(schedule, module.multicore, graph, allocation, costs)
        if problems:
            ctx.diagnostics.error(f"{self.name}: the schedule breaks {len(problems)} rule(s), a bug in dsec; please "
                                  f"report it with the input: {'; '.join(problems[:3])}", module.loc)
            return module
        slots = {slot.cn: slot for slot in schedule.slots}

        def timed(layer):
            return replace(layer, cns=tuple({**cn, "start": slots[cn["id"]].start, "end": slots[cn["id"]].end,
                                             "energy_pj": round(slots[cn["id"]].energy, 2)} for cn in layer.cns))

        return replace(rewrite_layers(module, timed), schedule=schedule_attr(schedule, module.multicore))
