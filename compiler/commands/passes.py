"""`dsec passes`: the registry of passes and their options."""

from __future__ import annotations

import click

from dsec.compiler.pass_base import format_option_value
from dsec.passes import PASSES


@click.command("passes")
def command() -> None:
    """List the passes and their options."""
    for name in sorted(PASSES):
        cls = PASSES[name]
        click.echo(f"{name}: {cls.summary}")
        for key, f in cls.options().items():
            setting = f"{key}={format_option_value(f.default)}"
            click.echo(f"    {setting:<20} {f.metadata.get('help', '')}")
