"""Shared set-up: OpenGL contexts shared before the QApplication exists (pytest-qt's qapp)."""

from fogwalk.ui.app import _import_before_qt

_import_before_qt()  # PySide6's import hook is slow for modules imported after it

from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402

QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
