"""dsec: a design-space-exploration compiler for DNN accelerators."""

__version__ = "0.1.0"


def lower(model, arch, mapping=None, options=None, **kwargs):
    """Map and cost an ONNX model on an accelerator; returns a LowerResult
    with `.module` (the final IR), `.report` (a dict, schema in
    dsec.cost.report) and `.diagnostics`. Keyword arguments set LowerOptions
    fields, e.g. `dsec.lower("m.onnx", "acc.yaml", objective="latency")`."""
    from dsec.compiler.lower import LowerOptions, lower as _lower

    if options is None:
        options = LowerOptions(**kwargs)
    elif kwargs:
        raise TypeError("give either options or keyword arguments, not both")
    return _lower(model, arch, mapping, options)
