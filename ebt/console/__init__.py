"""The operations console: a web page over the store for the T&D's operators and each
supplier's analysts (`ebt console`; docs/console.md)."""
