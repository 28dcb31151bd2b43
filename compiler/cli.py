"""The `dsec` command line: a click group whose subcommands live one per module
in compiler/commands/ and are imported only when run, so `dsec --help` and
`dsec --version` start without onnx, numpy or lark."""

from __future__ import annotations

import importlib
import os
import sys

# dsec does no linear algebra: one OpenBLAS thread, not one per core, whose start-up costs
# 0.03 s of CPU in every process that imports numpy (`OPENBLAS_NUM_THREADS=1 python -c "import
# numpy"` 0.07 s against 0.10 s on 2 cores). Set before any import of numpy; a user's value wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402

from dsec.compiler import startup  # noqa: F401 - imported first: its clock starts with the process

# name -> (module under dsec.compiler.commands, one-line summary for `dsec --help`).
COMMANDS: dict[str, tuple[str, str]] = {
    "lower": ("lower", "Import an ONNX model, map every layer, cost it and report."),
    "import": ("import_", "Lower an ONNX model to the dsec IR for an accelerator."),
    "opt": ("opt", "Run a pass pipeline over a textual IR file and print the result."),
    "passes": ("passes", "List the passes and their options."),
    "examples": ("examples", "List the shipped example models and accelerators (--path: their folder)."),
    "sweep": ("sweep", "Run every point of a sweep file, write the table, print the Pareto front."),
    "plot": ("plot", "Plot a sweep's results or a lowering's JSON report (PNG and SVG)."),
}


class _Group(click.Group):
    """Loads a subcommand's module on use. Turns an unexpected exception (a bug
    in dsec, never a user mistake) into one line that says so; DSEC_DEBUG=1
    shows the traceback."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"dsec.compiler.commands.{COMMANDS[name][0]}")
        return module.command

    def format_commands(self, ctx, formatter):
        # The summaries come from COMMANDS: listing them imports no command module.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.BadParameter as exc:
            if isinstance(exc, click.MissingParameter) or exc.param is None:
                raise  # a missing option or argument: click's usage message, exit 2
            click.echo(f"dsec: error: {bad_value_message(exc)}", err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("dsec: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if os.environ.get("DSEC_DEBUG"):
                raise
            click.echo(f"dsec: internal error (a bug in dsec; please report it with the input): "
                       f"{type(exc).__name__}: {exc}", err=True)
            sys.exit(2)


def bad_value_message(exc: click.BadParameter) -> str:
    """One line for a bad option value, as the YAML loaders word theirs:
    `--objective: 'enrgy' is not one of energy, ...; did you mean 'energy'?`
    (commands/common.Choice words the choices and the did-you-mean)."""
    param = exc.param
    name = max(param.opts, key=len) if isinstance(param, click.Option) else param.human_readable_name
    return f"{name}: {exc.message.rstrip('.')}"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dsec")
def main() -> None:
    """dsec: a design-space-exploration compiler for DNN accelerators."""


if __name__ == "__main__":
    main()
