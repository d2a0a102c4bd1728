"""Numbers from cleaned tables: Decision 766 dossier metrics, survey weights and design-based
estimates, sub-dimension scores, and the derived 34-province aggregates.
"""
