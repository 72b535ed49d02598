"""Readers of other tools' annotation files (doccano, Label Studio, brat, CoNLL), each turning
a file into the neutral shape of ``shape.py`` (pure; no framework imports)."""
