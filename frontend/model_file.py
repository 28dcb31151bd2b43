"""What kind of model file the user gave, by its content rather than its name:
an ONNX model (binary protobuf) or a ZigZag workload YAML (text). Other files
dsec knows (accelerator or mapping YAML, dsec IR) get an error saying where
they belong."""

from __future__ import annotations

import codecs

from dsec.compiler.diagnostics import Diagnostic, DiagnosticError
from dsec.frontend.yaml_source import load_yaml

WORKLOAD_KEYS = {"equation", "loop_dims", "loop_sizes", "operand_precision", "dimension_relations"}
MAPPING_KEYS = {"spatial_mapping", "spatial_mapping_hint", "temporal_ordering", "memory_operand_links"}
ACCELERATOR_KEYS = {"operational_array", "memories"}
SNIFF_BYTES = 65536
ACCEPTED = "MODEL is an ONNX model or a ZigZag workload YAML (a list of layers with an equation, loop_dims and " \
           "loop_sizes)"


def _error(message: str) -> DiagnosticError:
    return DiagnosticError(Diagnostic("error", message))


def read_model_file(path: str) -> tuple[str, str | None]:
    """("onnx", None), or ("workload", the YAML text)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
            rest = handle.read() if _is_text(head) else b""
    except FileNotFoundError:
        raise _error(f"cannot read model '{path}': No such file or directory") from None
    except OSError as exc:
        raise _error(f"cannot read model '{path}': {exc.strerror or exc}") from None
    if not _is_text(head):
        return "onnx", None
    text = (head + rest).decode("utf-8", errors="replace")
    if text.lstrip().startswith("dsec.module"):
        raise _error(f"'{path}' is dsec IR, not a model; run passes on it with `dsec opt {path} -p ...`")
    try:
        root, _ = load_yaml(text, path)
    except DiagnosticError as exc:
        first = exc.diagnostics[0]
        raise DiagnosticError(Diagnostic(
            "error", f"'{path}' is text, so it should be a ZigZag workload YAML, but it is not YAML ({first.message}); "
                     f"{ACCEPTED}", first.loc)) from None
    keys = _top_keys(root)
    if keys & ACCELERATOR_KEYS:
        raise _error(f"'{path}' is an accelerator description; give it with --arch ({ACCEPTED})")
    if keys & WORKLOAD_KEYS:
        return "workload", text
    if keys & MAPPING_KEYS:
        raise _error(f"'{path}' is a mapping file; give it with --mapping ({ACCEPTED})")
    if root is not None and root.is_list() and all(item.is_map() for item in root.value):
        return "workload", text  # a list of layers with keys missing: the workload reader says which
    raise _error(f"'{path}' is a text file but neither an ONNX model nor a ZigZag workload YAML; {ACCEPTED}")


def _is_text(head: bytes) -> bool:
    """UTF-8 without control characters (protobuf starts with one: field 1's tag byte)."""
    if any(byte < 0x20 and byte not in b"\t\n\r" for byte in head):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _top_keys(root) -> set[str]:
    if root is None:
        return set()
    if root.is_map():
        return set(root.value)
    if root.is_list():
        return {key for item in root.value if item.is_map() for key in item.value}
    return set()
