"""Outputs are written whole or not at all, with the mode open() would give, to
paths checked before any work."""

import os
import subprocess
import sys

import pytest

from dsec.compiler.output import output_path_problem, write_whole


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


def test_new_files_get_the_umasks_mode_and_old_files_keep_theirs(tmp_path):
    old = os.umask(0o027)
    try:
        write_whole(str(tmp_path / "new.txt"), "x")
    finally:
        os.umask(old)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o640
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o604)
    write_whole(str(kept), "new")
    assert kept.stat().st_mode & 0o777 == 0o604


@pytest.mark.parametrize("path, says", [
    ("missing/out.txt", "folder 'missing' does not exist"),
    (".", "it is a folder"),
    ("sub/", "it is a folder"),
    ("file.txt/out.txt", "folder 'file.txt' is not a folder"),
    ("", "the output path is empty"),
])
def test_output_path_problems_name_the_path_and_the_fix(tmp_path, monkeypatch, path, says):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "file.txt").write_text("")
    assert says in output_path_problem(path)


def test_writable_paths_and_stdout_have_no_problem(tmp_path):
    assert output_path_problem("-") is None
    assert output_path_problem(str(tmp_path / "new.txt")) is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_folder_without_write_permission_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert "no write permission" in output_path_problem(str(locked / "out.txt"))
    finally:
        locked.chmod(0o755)


@pytest.mark.parametrize("command", [["lower", "missing.onnx", "--arch", "missing.yaml"], ["import", "missing.onnx",
                                     "--arch", "missing.yaml"], ["opt", "missing.dsec"]])
def test_commands_check_the_output_path_before_reading_any_input(tmp_path, command):
    # The inputs do not exist either: the output is checked first, so its error is the one shown.
    run = subprocess.run([sys.executable, "-m", "dsec", *command, "-o", str(tmp_path / "nodir" / "out.txt")],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        f"dsec: error: cannot write '{tmp_path / 'nodir' / 'out.txt'}': folder '{tmp_path / 'nodir'}' does not exist; "
        "create it first"]
