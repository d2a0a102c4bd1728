"""What a reader sees: number formats, HTML tables, charts, the gap analysis and the province report."""
