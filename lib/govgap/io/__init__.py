"""Bytes to grids and frames: spreadsheets and CSV code pages (``sheets``), legacy Vietnamese text
(``legacy_text``) and the small xlsx writer (``xlsx``). No domain rules.
"""
