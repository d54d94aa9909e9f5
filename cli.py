"""Run the `ebt` command line from a checkout: `python cli.py validate FILE`."""

from ebt.cli import main

if __name__ == "__main__":
    main()
