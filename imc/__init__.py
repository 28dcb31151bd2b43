"""In-memory-computing macros (ZigZag-IMC): the analog and digital macro cost model."""
