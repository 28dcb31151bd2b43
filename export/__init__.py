"""Writers of dsec's mappings in other tools' formats (one module per format)."""
