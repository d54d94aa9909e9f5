"""The T&D's own processes as commands over the store: each reads what it needs through the
store, lets the market core decide, and commits the result in one database transaction."""
