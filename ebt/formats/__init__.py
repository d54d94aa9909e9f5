"""The same transactions in three syntaxes: X12, XML and EDIFACT.

Readers turn a file of any of the three into one stream of envelope and record events
(`model.py`); writers turn that stream back into any of the three. `detect.py` tells the
syntax from the first bytes; `checking.py` feeds XML and EDIFACT into the X12 checks so
that validation, acknowledgments and the market rules see one thing.
"""
