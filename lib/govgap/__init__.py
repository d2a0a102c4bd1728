"""govgap: governance-gap analysis for Vietnam's provincial environment and land agencies."""

__version__ = "0.1.0"
