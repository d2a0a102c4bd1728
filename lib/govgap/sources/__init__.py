"""Read and clean each kind of input: ``dossiers`` (one-stop-shop exports), ``survey`` (respondent
microdata), ``indices`` (published PAPI/PCI workbooks) and ``context`` (SIPAS, PAR INDEX, tasks).
"""
