"""The docs work in a clone: every relative link in README.md and docs/ names a
file or folder of the repository (anchors into pages are checked too)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors: headings lower-cased, punctuation dropped, spaces to dashes."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def _without_code(text: str) -> str:
    return re.sub(r"```.*?```", "", text, flags=re.DOTALL)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name if p.parent == ROOT else f"docs/{p.name}")
def test_relative_links_resolve(page):
    broken = []
    for target in LINK.findall(_without_code(page.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists() or ROOT not in (resolved, *resolved.parents):
            broken.append(target)
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken.append(target)
    assert not broken, f"{page.name}: links that do not resolve in the repository: {broken}"


# Development history belongs in commit messages, not in the docs (issue 21).
HISTORY = [re.compile(p, re.IGNORECASE) for p in (
    r"\bthis session\b", r"\bsessions?'s?\b", r"\btried and left out\b", r"^Then \(",
    r"(?<![.\d])\b(?![0-9]*e[0-9]+\b)(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b",  # a commit hash, not 1.37e10
)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name if p.parent == ROOT else f"docs/{p.name}")
def test_no_development_history(page):
    found = [(n, line.strip()) for n, line in enumerate(page.read_text(encoding="utf-8").split("\n"), 1)
             if any(p.search(line) for p in HISTORY)]
    assert not found, f"{page.name}: development history (put it in a commit message): {found}"


def test_readme_commands_are_what_ci_runs():
    """The README's set-up and test commands are the ones .ci/run runs, so CI proves them."""
    first_block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.DOTALL).group(1)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install = re.search(r"^pip install -e (\S+)$", ci, re.MULTILINE).group(1)
    main_job = re.search(r"^(dsec lower .*?) > /dev/null$", ci, re.MULTILINE).group(1)
    setup, test = first_block.strip().split("\n")
    assert setup == f"python3 -m venv .venv && . .venv/bin/activate && pip install -e {install} && {main_job}"
    assert test == "pytest" and re.search(r"^pytest$", ci, re.MULTILINE)
