"""Scans to positioned lines: image preprocessing, Tesseract, and the per-page choice of text layer or OCR."""
