"""Market rules as data: decision tables (`tables`) and the numbers they use (`parameters`).

The tables live in `rules/<table>-<version>.json`, the parameters in
`rules/parameters-<version>.json`; both are versioned by the date they come into force. The
predicates the tables name are supplied by the caller (`ebt.market`), so this package knows
no market facts.
"""
