"""Front end: ONNX models and ZigZag-format YAML files to dsec IR."""
