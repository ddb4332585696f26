"""Anonymised exports: CSV, XLSX, codebook, summary tables and charts."""
