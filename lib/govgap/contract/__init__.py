"""What every reader promises: rows are accounted for (read = kept + quarantined)."""
