"""Commands over the store, one module per process: the T&D's own processes (moves, tenants,
landlords, the daily activation, meter exchanges, Standard Offer) and the operators' replay
and reprocessing. Each opens its database transaction, reads through the store's adapters,
lets the market core decide over plain objects, writes what changed and commits. The command
line, the scheduler and the benchmarks call these."""
