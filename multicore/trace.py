"""A schedule as a Chrome trace (JSON) that Perfetto and chrome://tracing open: one track per
core (its CNs) and one per link, bus and off-chip port (the transfers they carry). Read from the
module after the schedule pass; times are cycles, written as the trace's microseconds."""

from __future__ import annotations

import json

from dsec.dialect.ops import Module

CORES_PID, LINKS_PID = 1, 2


def chrome_trace(module: Module) -> str:
    if module.multicore is None or module.schedule is None:
        raise ValueError("the module has no schedule; run the schedule pass first")
    hardware = module.multicore
    cores = [c for c in hardware.cores if c.id != hardware.offchip]
    resources = [c.name for c in hardware.connections] + [f"{hardware.core(hardware.offchip).name}.port"]
    events: list[dict] = [
        {"name": "process_name", "ph": "M", "pid": CORES_PID, "tid": 0, "args": {"name": "cores"}},
        {"name": "process_name", "ph": "M", "pid": LINKS_PID, "tid": 0, "args": {"name": "links"}},
    ]
    core_tid = {core.id: index + 1 for index, core in enumerate(cores)}
    link_tid = {name: index + 1 for index, name in enumerate(resources)}
    events += [{"name": "thread_name", "ph": "M", "pid": CORES_PID, "tid": tid,
                "args": {"name": f"{hardware.core(core).name} ({hardware.core(core).accelerator.name})"}}
               for core, tid in core_tid.items()]
    events += [{"name": "thread_name", "ph": "M", "pid": LINKS_PID, "tid": tid, "args": {"name": name}}
               for name, tid in link_tid.items()]
    for layer in module.layers():
        for cn in layer.cns:
            if "start" not in cn:
                continue
            events.append({"name": f"{layer.symbol} cn {cn['id']}", "cat": "cn", "ph": "X", "ts": cn["start"],
                           "dur": cn["end"] - cn["start"], "pid": CORES_PID, "tid": core_tid[cn["core"]],
                           "args": {"layer": layer.symbol, "tile": cn["tile"], "part": cn["part"],
                                    "energy_pj": cn.get("energy_pj", 0.0)}})
    for transfer in module.schedule.get("transfers", ()):
        for resource in transfer["via"]:
            events.append({"name": transfer["tensor"], "cat": transfer["why"], "ph": "X", "ts": transfer["start"],
                           "dur": transfer["end"] - transfer["start"], "pid": LINKS_PID, "tid": link_tid[resource],
                           "args": {"bits": transfer["bits"], "from": transfer["from"], "to": transfer["to"]}})
    return json.dumps({"traceEvents": events, "displayTimeUnit": "ns",
                       "otherData": {"time_unit": "1 trace microsecond = 1 cycle"}}, indent=0) + "\n"
