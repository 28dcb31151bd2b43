"""Whether an accelerator file is Stream's multi-core format: asked by every `dsec lower`, so
this module imports nothing of the multi-core pipeline."""

from __future__ import annotations


def is_multicore_file(path: str) -> bool:
    """Whether an accelerator file is Stream's multi-core format (it lists `cores`)."""
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 15x faster
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "cores" in data
