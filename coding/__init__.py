"""The Cocode engine: ingest, suggestions, counting, agreement, exports, and the CLI."""
