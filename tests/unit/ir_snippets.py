"""Small modules for unit tests, written as IR text."""

from dsec.dialect.parser import parse_module

ACCELERATOR = """  accelerator @acc {
    array [D1 = 2, D2 = 2] {unit_energy = 1.0, unit_area = 1.0}
    memory @reg operands [I1, I2, O] served [] {size = 4096, r_cost = 0.1, w_cost = 0.1, area = 0.0, latency = 1} {
    }
    memory @mem operands [I1, I2, O] served [D1, D2] {size = 1000000, r_cost = 1.0, w_cost = 1.0, area = 0.0, latency = 1} {
    }
  }
  options {}
"""


def one_layer(dims: str, compute: str, mapping: str = "", operands: str = "(I: %x, W: %w)",
              precision: str = "{I = 8, W = 8, O = 16, O_final = 8}", links: str = "{I = I1, W = I2, O = O}"):
    text = (f"dsec.module @m {{\n{ACCELERATOR}"
            "  %x = dsec.input \"x\" : tensor<1xi8>\n  %w = dsec.const \"w\" : tensor<1xi8>\n"
            f"  %y = dsec.layer @l \"Conv\"{operands} : tensor<1xi8> {{\n    dims {dims}\n    {compute}\n"
            f"    precision {precision}\n    links {links}\n{mapping}  }}\n}}\n")
    module = parse_module(text)
    return module, module.layers()[0]
