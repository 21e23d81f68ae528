"""A file a user names is read only when it is a regular file, and never past its cap."""

from __future__ import annotations

import os

import pytest

from inference_core.models.user_files import UserFileError, read_user_file


def test_a_regular_file_is_read_up_to_its_cap(tmp_path):
    path = tmp_path / "set.csv"
    path.write_bytes(b"x" * 1025)
    assert read_user_file(path, 1025) == b"x" * 1025
    with pytest.raises(UserFileError, match=r"the question set .*set.csv is over 1 KB: at most that is read"):
        read_user_file(path, 1024, "the question set")


@pytest.mark.parametrize("kind", ["device", "fifo", "folder", "missing"])
def test_a_device_a_fifo_a_folder_or_nothing_is_refused_without_reading(tmp_path, kind):
    path = {"device": "/dev/zero", "folder": str(tmp_path), "missing": str(tmp_path / "nope")}.get(kind)
    if kind == "fifo":
        path = str(tmp_path / "pipe")
        os.mkfifo(path)  # no writer: a plain open would wait for one forever
    with pytest.raises(UserFileError) as refused:
        read_user_file(path, 1_000_000, "the question set")
    expected = "No such file" if kind == "missing" else "is not a regular file"
    assert expected in str(refused.value) and str(refused.value).count("\n") == 0
