"""dsec: a design-space-exploration compiler for DNN accelerators."""

__version__ = "0.1.0"
