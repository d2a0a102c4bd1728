"""Facts govgap reads from its own tables in ``govgap/data``: the provinces (63 to 30/6/2025, 34 from
1/7/2025), the indicator catalogue, the survey codebook, the working-day calendar and the report text.
Nothing here reads a user's file.
"""
