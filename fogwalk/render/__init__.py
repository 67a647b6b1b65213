"""Pixels: the OpenGL terrain view, its fog, overlays, the GL bootstrap and the export loop."""
