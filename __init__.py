"""dsec: a design-space-exploration compiler for DNN accelerators.

The entry points import the compiler only when called, so `import dsec` is
cheap (docs/python-api.md):

    result = dsec.lower("model.onnx", "acc.yaml", objective="latency")
    print(result.module)                     # the final IR, as text
    module = dsec.parse(text)                # textual IR -> Module
    module = dsec.run_pipeline(module, "strip{keep=spatial},temporal-tile,memory-alloc,cost-annotate")
    text = dsec.print_ir(module)             # Module -> textual IR
"""

from __future__ import annotations

__version__ = "0.1.0"


def lower(model, arch, mapping=None, options=None, **kwargs):
    """Map and cost an ONNX model on an accelerator; returns a LowerResult
    with `.module` (the final IR), `.report` (a dict, schema in
    dsec.cost.report), `.diagnostics` and `.ok`.

    `model` is an ONNX file path or an `onnx.ModelProto`; `arch` an accelerator
    YAML path or an accelerator already read (`dsec.dialect.accelerator.Accelerator`,
    or the `ArchSpec` of `dsec.frontend.arch_loader.load_accelerator_file`);
    `mapping` a mapping YAML path. Keyword arguments set LowerOptions fields,
    e.g. `dsec.lower("m.onnx", "acc.yaml", objective="latency")`; a field that
    is not valid raises ValueError naming it."""
    from dataclasses import fields

    from dsec.compiler.lower import LowerOptions, lower as _lower

    known = [f.name for f in fields(LowerOptions)]
    for name in kwargs:
        if name not in known:
            raise TypeError(f"{name}: not an option of dsec.lower (options: {', '.join(known)})")
    if options is None:
        options = LowerOptions(**kwargs)
    elif kwargs:
        raise TypeError("give either options or keyword arguments, not both")
    return _lower(model, arch, mapping, options)


def parse(text, filename="<string>", verify=True):
    """Textual IR -> Module (verified unless verify=False). Raises
    DiagnosticError, whose str is every error as the command line prints it."""
    from dsec.compiler.api import parse as _parse

    return _parse(text, filename, verify)


def print_ir(module):
    """Module -> textual IR (the same as `str(module)`)."""
    from dsec.compiler.api import print_ir as _print_ir

    return _print_ir(module)


def run_pipeline(module, pipeline, verify=True, diagnostics=None):
    """Run a pass pipeline ("a,b{key=value}", as `dsec opt -p`) over a Module
    and return the new Module. Diagnostics go to the `diagnostics` list if one
    is given; an error raises DiagnosticError (see dsec.compiler.api)."""
    from dsec.compiler.api import run_pipeline as _run_pipeline

    return _run_pipeline(module, pipeline, verify, diagnostics)
