"""Readers of each file format: bytes in, blocks of one document out."""
