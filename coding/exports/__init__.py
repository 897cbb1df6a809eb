"""Tables for papers from the coding: theme tables and the analysis tables in md, tex, docx, csv and xlsx."""
from .bundle import (
    FORMATS,
    agreement_frame,
    analysis_tables,
    bundle_zip,
    export_table,
    export_tables,
    export_themes,
    format_of,
    write_themes,
)
from .themes import Quote, ThemeRow, ThemeTable, key_sentence, theme_tables

__all__ = [
    "FORMATS", "Quote", "ThemeRow", "ThemeTable", "agreement_frame", "analysis_tables", "bundle_zip",
    "export_table", "export_tables", "export_themes", "format_of", "key_sentence", "theme_tables", "write_themes",
]
