"""The desktop app: widgets, menus and the worker thread (PySide6); no maths."""
