"""One inbound pipeline for every entry point: claim, check, decide, commit, acknowledge,
archive (`intake.py` reads a file once; `decide.py` decides and commits; `process.py` is
`ebt process`; the sweeps in `ebt.sweep` bring files from the partners' folders)."""
