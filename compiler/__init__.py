"""The dsec compiler core: IR parser, printer, verifier, pass manager and CLI."""
