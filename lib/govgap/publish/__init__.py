"""Reports out of the door: the batch of notebooks, the index page and manifest, and email."""
