"""Safe file output: all or nothing, the usual permissions, nothing left on failure."""

import os
import stat
from pathlib import Path

import pytest

from fogwalk.core import FogwalkError
from fogwalk.core.files import atomic_output


def test_a_complete_write_appears_with_the_usual_permissions(tmp_path):
    target = tmp_path / "rows.csv"
    with atomic_output(target) as stream:
        stream.write("a,b\n")
        assert not target.exists()  # nothing there until it is complete
        assert list(tmp_path.iterdir()) == []  # not even a hidden part file (O_TMPFILE)
    assert target.read_text() == "a,b\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_a_failed_write_leaves_the_old_file_and_nothing_else(tmp_path):
    target = tmp_path / "rows.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_output(target) as stream:
        stream.write("new, half written")
        raise RuntimeError("stopped")
    assert target.read_text() == "old\n"
    assert list(tmp_path.iterdir()) == [target]


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(FogwalkError, match="does not exist"), atomic_output(tmp_path / "no" / "x"):
        pass


def test_a_device_is_written_to_not_replaced(tmp_path):
    with atomic_output("/dev/null") as stream:
        stream.write("rows\n")
    assert Path("/dev/null").is_char_device()
