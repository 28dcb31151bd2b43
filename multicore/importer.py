"""Import a model for a multi-core accelerator: the module carries the accelerator (its first
compute core's accelerator as the module's, the rest in its `multicore` section) and each
layer's `tiling` from Stream's mapping."""

from __future__ import annotations

from dataclasses import replace

from dsec.compiler.diagnostics import Diagnostic
from dsec.dialect.multicore import MultiCore
from dsec.dialect.ops import Module
from dsec.frontend.arch_loader import ArchSpec
from dsec.frontend.importer import ImportOptions, import_for
from dsec.multicore.hardware_loader import load_multicore_file
from dsec.multicore.ir import tiling_attr
from dsec.multicore.mapping_loader import StreamMapping, load_stream_mapping_file
from dsec.multicore.plan import plan_from_mapping


def unique_accelerator_names(hardware: MultiCore) -> MultiCore:
    """Cores whose different accelerators share a name get `_1`, `_2`, ... so the IR can name them."""
    seen: dict[str, object] = {}
    cores = []
    for core in hardware.cores:
        accelerator = core.accelerator
        name, suffix = accelerator.name, 0
        while name in seen and seen[name] != accelerator:
            suffix += 1
            name = f"{accelerator.name}_{suffix}"
        accelerator = replace(accelerator, name=name) if name != accelerator.name else accelerator
        seen[name] = accelerator
        cores.append(replace(core, accelerator=accelerator))
    return replace(hardware, cores=tuple(cores))


def import_multicore(model: str, hardware_path: str, mapping_path: str | None,
                     options: ImportOptions | None = None) -> tuple[Module, list[Diagnostic]]:
    """Raises DiagnosticError for invalid inputs; returns the module and the warnings."""
    hardware, warnings = load_multicore_file(hardware_path)
    hardware = unique_accelerator_names(hardware)
    mapping, mapping_warnings = (load_stream_mapping_file(mapping_path) if mapping_path else
                                 (StreamMapping((), ()), []))
    main = hardware.compute_cores[0].accelerator
    imported = import_for(model, ArchSpec(main), hardware_path, None, options)
    module = replace(imported.module, multicore=hardware,
                     options={**imported.module.options, **({"mapping": mapping_path} if mapping_path else {})})
    plan, plan_warnings = plan_from_mapping(module, hardware, mapping, None)
    ops = tuple(replace(op, tiling=tiling_attr(plan.tilings[op.symbol], plan.cores[op.symbol]))
                if op in module.layers() else op for op in module.ops)
    return replace(module, ops=ops), warnings + mapping_warnings + imported.diagnostics + plan_warnings
