"""The IMC agreement cases: one layer, one macro, one fixed mapping each.

Shared by tools/zigzag_imc_reference.py (which runs zigzag-dse on them) and
tests/zigzag/imc_agreement.py (which runs dsec). Architectures are in
tests/fixtures/imc/: ZigZag's aimc and dimc, aimc_precharge (cells of two
weights: group depth 2), aimc_banks and dimc_banks (a third dimension: banks).
"""

from __future__ import annotations

# name, architecture, model (as in reference_cases.build_model), spatial unrolling per array dimension
CASES = [
    dict(name="aimc_conv3x3", arch="aimc", model=("conv", 1, 64, 64, 28, 3, 1, 1), spatial={"D1": [("K", 64)], "D2": [("C", 8), ("FX", 3), ("FY", 3)]}),
    dict(name="aimc_conv1x1", arch="aimc", model=("conv", 1, 128, 256, 14, 1, 1, 0), spatial={"D1": [("K", 128)], "D2": [("C", 128)]}),
    dict(name="aimc_conv1", arch="aimc", model=("conv", 1, 3, 64, 56, 7, 2, 3), spatial={"D1": [("K", 64)], "D2": [("C", 3), ("FX", 7)]}),
    dict(name="aimc_gemm", arch="aimc", model=("gemm", 4, 512, 100), spatial={"D1": [("K", 100)], "D2": [("C", 128)]}),
    dict(name="aimc_diagonal", arch="aimc", model=("conv", 1, 16, 32, 28, 3, 1, 1), spatial={"D1": [("K", 32), ("OX", 4)], "D2": [("C", 16), ("FX", 3)]}),
    dict(name="aimc_precharge", arch="aimc_precharge", model=("conv", 1, 64, 64, 14, 3, 1, 1), spatial={"D1": [("K", 32)], "D2": [("C", 32), ("FX", 3)]}),
    dict(name="aimc_banks", arch="aimc_banks", model=("conv", 1, 32, 64, 14, 3, 1, 1), spatial={"D1": [("K", 32)], "D2": [("C", 16), ("FX", 3)], "D3": [("K", 2)]}),
    dict(name="dimc_conv3x3", arch="dimc", model=("conv", 1, 64, 64, 28, 3, 1, 1), spatial={"D1": [("K", 64)], "D2": [("C", 8), ("FX", 3), ("FY", 3)]}),
    dict(name="dimc_conv1x1", arch="dimc", model=("conv", 1, 128, 256, 14, 1, 1, 0), spatial={"D1": [("K", 128)], "D2": [("C", 128)]}),
    dict(name="dimc_gemm", arch="dimc", model=("gemm", 8, 300, 120), spatial={"D1": [("K", 120)], "D2": [("C", 100)]}),
    dict(name="dimc_diagonal", arch="dimc", model=("conv", 1, 8, 32, 14, 3, 1, 1), spatial={"D1": [("K", 32), ("OX", 2)], "D2": [("C", 8), ("FX", 3), ("FY", 3)]}),
    dict(name="dimc_banks", arch="dimc_banks", model=("conv", 1, 32, 64, 14, 3, 1, 1), spatial={"D1": [("K", 64)], "D2": [("C", 32)], "D3": [("OX", 2)]}),
]
