"""fogwalk.core never imports Qt or OpenGL: a notebook can simulate without them."""

import subprocess
import sys


def test_core_imports_no_qt_and_starts_no_threads():
    script = (
        "import sys, threading, fogwalk, fogwalk.core, fogwalk.core.trace, fogwalk.core.files\n"
        "fogwalk.simulate('fog_mountain', ['adam', 'newton'], steps=5)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'pyqtgraph', 'OpenGL', 'shiboken6')]\n"
        "print(bad, threading.active_count())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[] 1"
