"""The `annotator` commands, one module per subject; `annotator.cli` loads them on demand."""
