"""The pass manager: verification after each pass, stopping on errors,
instrumentation, and passes that never mutate their input."""

import io
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from dsec.dialect.parser import parse_module
from dsec.compiler.pass_base import Pass, PassContext, option, parse_option_value, OptionError
from dsec.compiler.pass_manager import Instrumentation, PassManager
from dsec.compiler.pipeline import PipelineError, build_pipeline, parse_pipeline_specs
from dsec.dialect.ops import LayerOp
from dsec.passes import PASSES

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "multi_layer.dsec"


@dataclass
class BreakDims(Pass):
    """A test pass that leaves an invalid module: the verifier must catch it."""

    name = "break-dims"

    def run(self, module, ctx):
        ops = tuple(replace(op, dims={**op.dims, "K": 128}) if isinstance(op, LayerOp) and op.nest else op
                    for op in module.ops)
        return replace(module, ops=ops)


@dataclass
class Complain(Pass):
    name = "complain"
    times: int = option(1, "how many errors to report")
    ratio: float = option(0.5, "unused by the test but typed")

    def run(self, module, ctx):
        for _ in range(self.times):
            ctx.diagnostics.error("complaint", module.loc)
        return module


def _module():
    return parse_module(EXAMPLE.read_text(), str(EXAMPLE))


def test_verifier_runs_after_each_pass():
    ctx = PassContext()
    assert PassManager([BreakDims()]).run(_module(), ctx) is None
    assert any("temporal loops over K multiply to 2, but K = 128 unrolled 32 ways needs 4" in d.message
               for d in ctx.diagnostics.diagnostics)


def test_no_verify_lets_the_broken_module_through():
    ctx = PassContext()
    assert PassManager([BreakDims()], verify_each=False).run(_module(), ctx) is not None
    assert not ctx.diagnostics.diagnostics


def test_pipeline_stops_at_the_first_pass_with_errors():
    stream = io.StringIO()
    ctx = PassContext()
    manager = PassManager([Complain(), PASSES["strip"]()], instrumentation=Instrumentation(print_after_all=True, stream=stream))
    assert manager.run(_module(), ctx) is None
    assert [d.message for d in ctx.diagnostics.diagnostics] == ["complaint"]
    assert "IR Dump After" not in stream.getvalue()


def test_passes_do_not_mutate_their_input():
    module = _module()
    before = parse_module(EXAMPLE.read_text(), str(EXAMPLE))
    result = PassManager([PASSES["strip"]()]).run(module, PassContext())
    assert result is not None and result != module
    assert module == before


def test_typed_options_from_pipeline_text():
    registry = {"complain": Complain, **PASSES}
    (p,) = build_pipeline("complain{times=3 ratio=0.25}", registry)
    assert (p.times, p.ratio) == (3, 0.25)
    assert p.pipeline_text() == "complain{times=3 ratio=0.25}"
    with pytest.raises(PipelineError, match="option 'times' of pass 'complain' expects an integer, got 'x'"):
        build_pipeline("complain{times=x}", registry)
    with pytest.raises(PipelineError, match="expects a number, got 'fast'"):
        build_pipeline("complain{ratio=fast}", registry)


def test_pipeline_spec_syntax():
    specs = parse_pipeline_specs(' strip{keep=nest  constraints=true} , strip{keep="spatial"}')
    assert [(s.name, s.options) for s in specs] == [
        ("strip", {"keep": "nest", "constraints": "true"}), ("strip", {"keep": "spatial"})]
    assert parse_pipeline_specs("") == []
    with pytest.raises(PipelineError) as info:
        parse_pipeline_specs("strip,")
    assert info.value.column == 7


def test_option_value_parsing():
    assert parse_option_value("1", bool, "k", "p") is True
    with pytest.raises(OptionError):
        parse_option_value("yes", bool, "k", "p")


@dataclass
class Remarkable(Pass):
    name = "remarkable"

    def run(self, module, ctx):
        ctx.diagnostics.warning("a warning about the module", module.loc)
        ctx.diagnostics.remark("a remark about the module", module.loc)
        return module


def test_warnings_and_remarks_render_and_verify_like_errors():
    from dsec.compiler.diagnostics import SourceManager
    from dsec.compiler.driver import run_opt

    text = EXAMPLE.read_text()
    result = run_opt(text, "m.dsec", [Remarkable()])
    assert not result.failed and result.output == text
    rendered = [SourceManager({"m.dsec": text}).render(d) for d in result.diagnostics]
    assert rendered[0] == "m.dsec:1:13: warning: a warning about the module\ndsec.module @multi_layer {\n            ^"
    assert rendered[1].startswith("m.dsec:1:13: remark: a remark about the module")

    expected = ("// expected-warning@+2 {{a warning about}}\n// expected-remark@+1 {{a remark}}\n" + text)
    checked = run_opt(expected, "m.dsec", [Remarkable()], verify_diagnostics=True)
    assert not checked.failed and checked.diagnostics == []
    unexpected = run_opt(text, "m.dsec", [Remarkable()], verify_diagnostics=True)
    assert unexpected.failed
    assert [d.message for d in unexpected.diagnostics] == [
        "unexpected warning: a warning about the module", "unexpected remark: a remark about the module"]


def test_the_registry_names_each_pass_by_its_own_name():
    """PASSES imports a pass's module on first use; every entry leads to the class of that name."""
    assert len(PASSES) == len(set(PASSES)) > 0
    assert all(PASSES[name].name == name for name in PASSES)
