"""Parse the textual dsec IR (grammar: dialect/dsec.lark) into a Module.

Syntax errors and malformed attributes become DiagnosticError with the file,
line and column; no Lark or Python exception escapes for bad input.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib import resources

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from dsec.compiler.diagnostics import DiagnosticError, error
from dsec.compiler.location import Loc
from dsec.dialect.ir_builder import IRBuilder
from dsec.dialect.ops import Module

GRAMMAR_FILE = "dsec.lark"


def load_grammar() -> str:
    return resources.files("dsec.dialect").joinpath(GRAMMAR_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def _lark(strict: bool = False) -> Lark:
    # The builder runs inside the LALR parser (no parse tree: twice as fast).
    # Strict mode (regex-collision checks) is exercised by a test; the checks
    # cost time at every start, so the tool itself builds without them.
    return Lark(load_grammar(), parser="lalr", strict=strict, maybe_placeholders=True,
                transformer=IRBuilder())


_PARSE_LOCK = threading.Lock()  # the builder inside the cached parser holds the file name


def parse_module(text: str, filename: str = "<stdin>") -> Module:
    """Parse one module. Raises DiagnosticError on any malformed input."""
    parser = _lark()
    with _PARSE_LOCK:
        parser.options.transformer.filename = filename
        try:
            return parser.parse(text)
        except UnexpectedInput as exc:
            raise _syntax_error(exc, text, filename) from None


# Human names for the grammar's terminals, used in "expected ..." messages.
_TERMINAL_NAMES = {
    "SYMBOL": "a symbol like @name", "VALUE": "a value like %name", "TENSOR": "a tensor type",
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "LBRACE": "'{'",
    "RBRACE": "'}'", "LSQB": "'['", "RSQB": "']'", "LPAR": "'('", "RPAR": "')'",
    "COMMA": "','", "EQUAL": "'='", "COLON": "':'", "DOT": "'.'", "PLUS": "'+'",
    "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "$END": "end of input",
}


def _expected(names: set[str]) -> str:
    pretty = []
    for name in sorted(names):
        if name in _TERMINAL_NAMES:
            pretty.append(_TERMINAL_NAMES[name])
        elif name in _lark_terminals():
            pattern = _lark_terminals()[name].pattern
            pretty.append(f"'{pattern.value}'" if pattern.type == "str" else name)
        else:  # lark's own markers, such as '<END-OF-FILE>' where input may end
            pretty.append("end of input" if "END" in name else name)
    return ", ".join(sorted(set(pretty)))


def _lark_terminals() -> dict:
    return {t.name: t for t in _lark().terminals}


def _end_of(text: str, filename: str) -> Loc:
    lines = text.split("\n")
    return Loc(filename, len(lines), len(lines[-1]) + 1)


def _syntax_error(exc: UnexpectedInput, text: str, filename: str) -> DiagnosticError:
    loc = Loc(filename, exc.line if exc.line > 0 else 1, exc.column if exc.column > 0 else 1)
    if isinstance(exc, UnexpectedCharacters):
        return error(f"unexpected character {exc.char!r}", loc)
    if isinstance(exc, UnexpectedEOF):
        return error(f"unexpected end of input; expected {_expected(set(exc.expected))}", _end_of(text, filename))
    assert isinstance(exc, UnexpectedToken)
    if exc.token.type == "$END":
        return error(f"unexpected end of input; expected {_expected(exc.expected)}", _end_of(text, filename))
    return error(f"unexpected {exc.token.value!r}; expected {_expected(exc.expected)}", loc)
