"""ebt: an engine for Maine-style retail electricity EBT/EDI transactions (X12 814, 997, 824)."""

__version__ = "0.1.0"
