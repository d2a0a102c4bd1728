"""A province against others and its own past: standings, ranks and bands, gaps, decomposition,
points to gain, offices, and the context yardsticks.
"""
