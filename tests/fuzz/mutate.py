"""A seeded mutation fuzzer for every text dsec reads: IR files (parser,
verifier, passes, printer) and the accelerator and mapping YAML loaders.

Each case takes a seed file (IR chunks that parse), applies one to three random edits (delete,
insert, duplicate or swap lines, an interesting number, another identifier of
the file, a truncation) and runs what `dsec opt` or the loaders run. A
diagnostic is the right answer to bad input; any other exception is an
internal error, and an IR that parses and verifies must print back to text
that parses to the same print (round trip). Standard library only, so the
same seed gives the same files everywhere.

    python tests/fuzz/run.py --count 1000 --seed 1
"""

from __future__ import annotations

import random
import re
import signal
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IR_SEEDS = [ROOT / "examples" / "multi_layer.dsec", ROOT / "examples" / "tiny_mapped.dsec"]
IR_SEED_FOLDERS = [ROOT / "tests" / "lit"]
ARCH_SEEDS = sorted((ROOT / "examples" / "arch").glob("*.yaml"))
MAPPING_SEEDS = sorted((ROOT / "examples" / "mapping").glob("*.yaml"))
# Pipelines a mutated IR file goes through: the ones without a search, so one case stays fast.
PIPELINES = ["cost-annotate", "memory-alloc,cost-annotate", "fuse-elementwise,cost-annotate", "strip{keep=spatial}", "strip,cost-annotate",
             "strip{keep=spatial},temporal-tile{lpf-limit=4},memory-alloc,cost-annotate",
             "strip,spatial-unroll{candidates=1 lpf-limit=3},temporal-tile{lpf-limit=3},memory-alloc,cost-annotate"]
NUMBERS = ["0", "-1", "1", "2", "3", "7", "1024", "4294967296", "18446744073709551617", "1e308", "-0.0", "0.5",
           "nan", "inf", "1e-300", "99999999999999999999999999"]
CHARS = "{}[]()<>,=:%@\"#*+-./0123456789xeE_ \n\tKCOIWD"
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_.$-]*|\d+(?:\.\d+)?(?:e[+-]?\d+)?|\S")
NUMBER = re.compile(r"(?<![A-Za-z_%@])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")


@dataclass(frozen=True)
class Failure:
    kind: str  # "internal error", "round trip", "timeout"
    target: str  # "ir <pipeline>", "arch", "mapping"
    seed_file: str
    text: str
    detail: str


def ir_seeds() -> list[tuple[str, str]]:
    """(name, text) of every IR chunk the repository ships (lit files split at '// -----')."""
    files = list(IR_SEEDS) + sorted(p for folder in IR_SEED_FOLDERS for p in folder.rglob("*.dsec")
                                    if "Output" not in p.parts)
    from dsec.compiler.diagnostics import DiagnosticError
    from dsec.dialect.parser import parse_module

    seeds = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for index, chunk in enumerate(text.split("// -----")):
            try:  # chunks that test parse errors start from a broken file: mutations of valid ones reach further
                parse_module(chunk, "seed.dsec")
            except DiagnosticError:
                continue
            seeds.append((f"{path.relative_to(ROOT)}#{index}", chunk))
    return seeds


def yaml_seeds(paths: list[Path]) -> list[tuple[str, str]]:
    return [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in paths]


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        text = rng.choices(_MUTATIONS, _WEIGHTS)[0](text, rng)
    return text


def _delete_span(text, rng):
    if not text:
        return text
    start = rng.randrange(len(text))
    return text[:start] + text[start + rng.randint(1, 20):]


def _insert_chars(text, rng):
    at = rng.randrange(len(text) + 1)
    return text[:at] + "".join(rng.choice(CHARS) for _ in range(rng.randint(1, 4))) + text[at:]


def _insert_token(text, rng):
    tokens = TOKEN.findall(text) or ["x"]
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(tokens) + text[at:]


def _line_edit(text, rng):
    lines = text.split("\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    action = rng.randrange(3)
    if action == 0:
        del lines[i]
    elif action == 1:
        lines.insert(j, lines[i])
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def _number(text, rng):
    matches = list(NUMBER.finditer(text))
    if not matches:
        return text
    m = rng.choice(matches)
    return text[:m.start()] + rng.choice(NUMBERS) + text[m.end():]


def _identifier(text, rng):
    words = [m for m in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", text)]
    if len(words) < 2:
        return text
    m, other = rng.choice(words), rng.choice(words)
    return text[:m.start()] + other.group() + text[m.end():]


def _truncate(text, rng):
    return text[:rng.randrange(len(text) + 1)]


# Edits that keep the text's tokens well formed weigh most: they reach the verifier and the passes.
_MUTATIONS = [_delete_span, _insert_chars, _insert_token, _line_edit, _number, _identifier, _truncate]
_WEIGHTS = [1, 1, 1, 2, 5, 4, 0.5]


class _Timeout(Exception):
    pass


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def expire(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _guard(kind_target: str, seed: str, text: str, action: Callable[[], str | None],
           seconds: float) -> Failure | None:
    try:
        with _time_limit(seconds):
            problem = action()
    except _Timeout:
        return Failure("timeout", kind_target, seed, text, f"more than {seconds} s")
    except Exception as exc:  # noqa: BLE001 - what the fuzzer looks for
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        return Failure("internal error", kind_target, seed, text, f"{type(exc).__name__}: {exc} ({where})")
    if problem:
        return Failure("round trip", kind_target, seed, text, problem)
    return None


def check_ir(text: str, pipeline: str) -> str | None:
    """What `dsec opt -p PIPELINE` does, plus the round trip of what parses."""
    from dsec.compiler.diagnostics import DiagnosticError
    from dsec.compiler.driver import run_opt
    from dsec.compiler.pipeline import build_pipeline
    from dsec.dialect.parser import parse_module
    from dsec.dialect.printer import print_module
    from dsec.passes import PASSES

    try:
        module = parse_module(text, "fuzz.dsec")
    except DiagnosticError:
        return None
    printed = print_module(module)
    again = print_module(parse_module(printed, "printed.dsec"))
    if again != printed:
        return "print(parse(print(m))) differs from print(m)"
    run_opt(text, "fuzz.dsec", build_pipeline(pipeline, PASSES))
    return None


def check_arch(text: str) -> None:
    from dsec.compiler.diagnostics import DiagnosticError
    from dsec.frontend.arch_loader import load_accelerator

    try:
        load_accelerator(text, "fuzz.yaml")
    except DiagnosticError:
        pass


def check_mapping(text: str, accelerator) -> None:
    from dsec.compiler.diagnostics import DiagnosticError
    from dsec.frontend.mapping_loader import load_mapping

    try:
        load_mapping(text, "fuzz.yaml", accelerator)
    except DiagnosticError:
        pass


def run(count: int, seed: int, seconds: float = 10.0) -> tuple[int, list[Failure]]:
    """`count` mutated inputs from `seed`: about 70% IR files, 15% accelerator
    and 15% mapping YAML. Returns (cases run, failures)."""
    from dsec.frontend.arch_loader import load_accelerator

    rng = random.Random(seed)
    irs = ir_seeds()
    archs = yaml_seeds(ARCH_SEEDS)
    mappings = yaml_seeds(MAPPING_SEEDS)
    tpu_like = load_accelerator((ROOT / "examples" / "arch" / "tpu_like.yaml").read_text(), "tpu_like.yaml").accelerator
    failures = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.7:
            name, text = rng.choice(irs)
            pipeline = rng.choice(PIPELINES)
            mutated = mutate(text, rng)
            failure = _guard(f"ir {pipeline}", name, mutated, lambda: check_ir(mutated, pipeline), seconds)
        elif roll < 0.85:
            name, text = rng.choice(archs)
            mutated = mutate(text, rng)
            failure = _guard("arch", name, mutated, lambda: check_arch(mutated), seconds)
        else:
            name, text = rng.choice(mappings)
            mutated = mutate(text, rng)
            failure = _guard("mapping", name, mutated, lambda: check_mapping(mutated, tpu_like), seconds)
        if failure:
            failures.append(failure)
    return count, failures
