"""`dsec examples`: where the shipped example models, accelerators and mappings
are, so that the README's commands also run from an installed wheel."""

from __future__ import annotations

from pathlib import Path

import click

import dsec

# In a clone (or an editable install) the package is the repository and this is
# its examples/ folder; a wheel installs the same files as package data.
EXAMPLES = Path(dsec.__file__).resolve().parent / "examples"


@click.command("examples")
@click.option("--path", "path_only", is_flag=True, help="Print only the examples folder's path.")
def command(path_only: bool) -> None:
    """List the shipped examples (models, accelerators, mappings, IR files)."""
    if not EXAMPLES.is_dir():
        raise click.ClickException(f"the examples are not installed (looked in {EXAMPLES})")
    if path_only:
        click.echo(str(EXAMPLES))
        return
    click.echo(f"{EXAMPLES}:")
    for file in sorted(EXAMPLES.rglob("*")):
        if file.is_file() and file.suffix in (".onnx", ".yaml", ".dsec"):
            click.echo(f"  {file.relative_to(EXAMPLES).as_posix()}")
    click.echo(f'e.g.: dsec lower "{EXAMPLES / "models" / "resnet18.onnx"}" '
               f'--arch "{EXAMPLES / "arch" / "tpu_like.yaml"}"')
