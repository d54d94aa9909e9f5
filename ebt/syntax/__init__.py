"""X12 syntax: separators, the streaming segment reader, the writer and the envelope walk."""
