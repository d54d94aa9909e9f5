"""Implementation guides as data: the element dictionary, guides per set and version, and the
validator that checks a transaction set against the guide in force."""
