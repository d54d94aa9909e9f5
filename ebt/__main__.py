"""`python -m ebt`: the same as the `ebt` command."""

from ebt.cli import main

main()
