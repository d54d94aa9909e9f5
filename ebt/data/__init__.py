"""The bundled data read from disk: guides, mappings, decision tables and parameters.

An edge of the engine: each module here reads the files of one data folder (`transactions/`,
`mappings/`, `rules/`) and hands what they hold to the pure builder of its package
(`ebt.guides.loader`, `ebt.mapping.mapper`, `ebt.rules`), which checks it. A file that cannot
be read or parsed is refused with the builder's own error, naming the file.
"""
