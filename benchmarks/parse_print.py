"""Parse + print time of a large module, by number of layers.

    python benchmarks/parse_print.py [--layers 200] [--repeat 5]

Builds a module of N fully mapped Conv layers (nest, buffers and cost, as
after the whole pipeline) from examples/tiny_mapped.dsec, then reports the
best-of-R wall time of parse_module and print_module. The target of the
foundation issue is parse + print of 200 layers under 0.5 s.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from dsec.dialect.parser import _lark, parse_module
from dsec.dialect.printer import print_module

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tiny_mapped.dsec"


def build_module_text(layers: int) -> str:
    """Repeat the example's mapped conv layer, chained value to value."""
    text = EXAMPLE.read_text()
    head, rest = text.split("  %0 = dsec.layer", 1)
    conv = "  %0 = dsec.layer" + rest.split("  %1 = dsec.layer", 1)[0]
    body = []
    for i in range(layers):
        source = "%x" if i == 0 else f"%{i - 1}"
        layer = conv.replace("%0 = dsec.layer @conv1", f"%{i} = dsec.layer @conv{i}")
        body.append(layer.replace("(I: %x, W: %w1)", f"(I: {source}, W: %w1)"))
    return head + "".join(body) + f"  dsec.return %{layers - 1}\n}}\n"


def best_of(repeat: int, fn) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layers", type=int, nargs="+", default=[50, 200, 800])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    start = time.perf_counter()
    _lark()  # grammar compilation happens once per process
    grammar_s = time.perf_counter() - start
    print(f"grammar compile (once per process): {grammar_s:.3f} s\n")
    print(f"{'layers':>6} {'lines':>7} {'parse s':>9} {'print s':>9} {'total s':>9} {'round trip':>10}")
    for count in args.layers:
        text = build_module_text(count)
        module = parse_module(text)
        parse_s = best_of(args.repeat, lambda: parse_module(text))
        print_s = best_of(args.repeat, lambda: print_module(module))
        same = print_module(module) == text
        print(f"{count:>6} {text.count(chr(10)):>7} {parse_s:>9.3f} {print_s:>9.3f} {parse_s + print_s:>9.3f} "
              f"{'ok' if same else 'DIFFERS':>10}")


if __name__ == "__main__":
    main()
