"""Multi-core accelerators and layer-fused scheduling (Stream's model)."""
