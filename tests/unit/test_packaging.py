"""A non-editable install has what a clone has: every folder of Python code is
a package in pyproject.toml, every example file is package data (`dsec
examples --path` finds them), and every package the code imports is declared."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

from click.testing import CliRunner

from dsec.compiler import cli

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = CONFIG["tool"]["setuptools"]
NOT_INSTALLED = {"tests", "benchmarks", "tools", "docs", "examples", "build", "dist"}
# Import name -> distribution name, where they differ.
DISTRIBUTIONS = {"yaml": "pyyaml", "google": "protobuf"}


def _source_folders() -> set[Path]:
    folders = set()
    for file in ROOT.rglob("*.py"):
        relative = file.relative_to(ROOT)
        if relative.parts[0] not in NOT_INSTALLED and not relative.parts[0].startswith("."):
            folders.add(file.parent)
    return folders


def _package_folder(package: str) -> Path:
    """Where pyproject's package-dir puts a package (a dotted name under its nearest mapped parent)."""
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        mapped = SETUPTOOLS["package-dir"].get(".".join(parts[:cut]))
        if mapped is not None:
            return (ROOT / mapped).joinpath(*parts[cut:]).resolve()
    return ROOT.joinpath(*parts)


def test_every_folder_of_code_is_an_installed_package():
    installed = {_package_folder(p) for p in SETUPTOOLS["packages"]}
    missing = sorted(str(f.relative_to(ROOT)) or "." for f in _source_folders() if f.resolve() not in installed)
    assert not missing, f"folders of Python code not in pyproject.toml's packages: {missing}"


def test_every_example_file_is_package_data():
    examples = ROOT / "examples"
    covered = {f for pattern in SETUPTOOLS["package-data"]["dsec.examples"] for f in examples.glob(pattern)}
    left_out = [f.relative_to(examples).as_posix() for f in examples.rglob("*")
                if f.is_file() and "__pycache__" not in f.parts and f not in covered]
    assert not left_out, f"example files a wheel would not install: {left_out}"


def _imported_top_levels() -> set[str]:
    names = set()
    for folder in _source_folders():
        for file in folder.glob("*.py"):
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"dsec", "__future__"}


def _declared() -> set[str]:
    requirements = list(CONFIG["project"]["dependencies"])
    for extra in CONFIG["project"].get("optional-dependencies", {}).values():
        requirements += extra
    return {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower().replace("_", "-") for r in requirements}


def test_every_imported_package_is_declared():
    undeclared = sorted(name for name in _imported_top_levels()
                        if DISTRIBUTIONS.get(name, name).lower().replace("_", "-") not in _declared())
    assert not undeclared, f"imported but not declared in pyproject.toml (core or an extra): {undeclared}"


def test_examples_command_prints_the_folder_the_readme_command_needs():
    result = CliRunner().invoke(cli.main, ["examples", "--path"])
    assert result.exit_code == 0, result.output
    folder = Path(result.output.strip())
    assert (folder / "models" / "resnet18.onnx").is_file() and (folder / "arch" / "tpu_like.yaml").is_file()
    listing = CliRunner().invoke(cli.main, ["examples"])
    assert listing.exit_code == 0
    assert "  models/resnet18.onnx\n" in listing.output and "  arch/tpu_like.yaml\n" in listing.output
