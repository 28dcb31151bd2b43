"""The dsec passes, one per file, and the registry of their names."""

from __future__ import annotations

from dsec.compiler.pass_base import Pass
from dsec.passes.strip import StripPass

# Pipeline name -> pass class. A new pass is added here and nowhere else.
PASSES: dict[str, type[Pass]] = {cls.name: cls for cls in (StripPass,)}
