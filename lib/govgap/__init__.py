"""govgap: governance-gap analysis for Vietnam's provincial environment and land agencies.

The package follows the data flow; each layer imports only from the layers before it
(tests/project/test_layers.py):

1. ``reference``: facts read from ``govgap/data`` (provinces, catalogue, codebook, calendar, text)
2. ``io``: bytes to grids and frames (spreadsheets, CSV code pages, legacy text, the xlsx writer)
3. ``contract``: row accounting (read = kept + quarantined)
4. ``sources``: read and clean each input (dossiers, survey, indices, context)
5. ``estimate``: Decision 766 metrics, survey weights and estimates, scores, 34-province view
6. ``compare``: standings, gaps, decomposition, points to gain, offices
7. ``pipeline``: raw folder -> ``data/processed``, sample data, the inputs a notebook reads
8. ``render``: number formats, tables, charts, the gap analysis and the province report
9. ``publish``: batches of notebooks, the index page, the manifest, email
10. ``cli``: the ``govgap`` command

``errors``, ``paths`` and ``redact`` (personal data masked wherever data is echoed) are the
foundation every layer may use.
"""

__version__ = "0.1.0"
