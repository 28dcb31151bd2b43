"""Outputs are written whole or not at all."""

import os

import pytest

from dsec.compiler.output import write_whole


def test_write_whole_replaces_the_file(tmp_path):
    target = tmp_path / "out.dsec"
    target.write_text("old")
    write_whole(str(target), "new")
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["out.dsec"]


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.dsec"
    target.write_text("old")

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_whole(str(target), "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.dsec"]
