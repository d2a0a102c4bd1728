"""Raw folder to processed tables: ``store`` (the only writer of ``data/processed``), ``sample`` (the
deterministic sample inputs), ``inputs`` (which files a notebook reads), ``single_export`` (one dossier
export on its own) and ``templates`` (the empty context templates).
"""
