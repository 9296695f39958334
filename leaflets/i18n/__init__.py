"""Languages and translations: catalogs, PO files, translation checks and glossaries."""
