"""The T&D's own processes as commands over the store, one module per process: each opens
one database transaction, reads what it needs through the store's adapters, lets the market
core decide over plain objects, writes what changed and commits. The command line, the
scheduler and the benchmarks call these."""
