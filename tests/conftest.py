"""Shared set-up, free of Qt: ``pytest tests/core`` runs where PySide6 is not installed.

The Qt set-up (shared OpenGL contexts, the ``shown`` fixture) lives in the conftests of the
folders whose tests draw: tests/render and tests/ui.
"""

from importlib.util import find_spec

if find_spec("PySide6") and find_spec("OpenGL"):
    # Once PySide6 is imported (by pytest-qt, or by a Qt folder's conftest), its import hook
    # makes every module imported after it slow, about a second for the test suite: where
    # the Qt stack is installed, load the heavy modules first. This imports no Qt.
    from fogwalk.render.context import _import_before_qt

    _import_before_qt()
