"""Positioned lines to blocks for every paged format, and the structure step shared by all formats."""
