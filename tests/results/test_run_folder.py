"""Run folders: checked writable before any work, always one whole run (SIGKILL at every file-system call), leftovers
cleaned, a full disk keeps the previous run, default names stay inside reports/."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from archsim.errors import OutputError
from archsim.results import run_folder
from archsim.results.run_folder import (
    MANIFEST,
    RunFolder,
    check_writable,
    clean_leftovers,
    default_run_dir,
    safe_folder_name,
)

# The killed writers are forked children that only touch the file system (no imports, no locks of other threads),
# so the fork of a process with idle BLAS/numba threads is safe here.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded, use of fork:DeprecationWarning")

OLD = {"result.json": b'{"run": "old"}\n', "hwconfig.resolved.yaml": b"name: old\n", "workload.yaml": b"name: w\n",
       "report.html": b"<html>old</html>\n"}
NEW = {"result.json": b'{"run": "new"}\n' + b" " * 150_000, "hwconfig.resolved.yaml": b"name: new\n",
       "workload.yaml": b"name: w2\n", "report.html": b"<html>" + b"n" * 200_000 + b"</html>\n"}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _write_run(target: Path, files: dict[str, bytes]) -> Path:
    folder = RunFolder.prepare(target)
    for name, data in files.items():
        folder.write_bytes(name, data)
    return folder.commit()


def _without_manifest(files: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if k != MANIFEST}


# -- names ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("isaac-2016-resnet18-inference", "isaac-2016-resnet18-inference"),
    ("../../../../x", "x"),
    ("/abs/path", "abs_path"),
    ("..", "run"),
    ("", "run"),
    ("a/../../b", "a_b"),
    ("a\\..\\b", "a_b"),
    ("name with spaces\nand\x00nul", "name_with_spaces_and_nul"),
    (".hidden", "hidden"),
    ("x" * 300, "x" * 120),
])
def test_safe_folder_name(text: str, expected: str) -> None:
    assert safe_folder_name(text) == expected


@pytest.mark.parametrize("names", [("../../../../x", "w", "inference"), ("/abs/path", "..", "run"),
                                   ("..", "..", ".."), ("a\\..\\..", "~", "$HOME")])
def test_default_run_dir_stays_inside_reports(tmp_path: Path, names: tuple[str, ...]) -> None:
    path = default_run_dir(*names, root=tmp_path / "reports")
    assert path.parent == tmp_path / "reports" and path.resolve().parent == (tmp_path / "reports").resolve()
    assert os.sep not in path.name and path.name not in (".", "..")


def test_default_run_dir_names() -> None:
    assert default_run_dir("isaac-2016", "../../../../x", "inference") == Path("reports/isaac-2016-x-inference")
    assert default_run_dir("/tmp/abs", "mlp-digits", "run") == Path("reports/tmp_abs-mlp-digits-run")


# -- checks before any work -------------------------------------------------------------------------
def test_writable_targets(tmp_path: Path) -> None:
    assert check_writable(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    (tmp_path / "empty").mkdir()
    check_writable(tmp_path / "empty")
    _write_run(tmp_path / "run", OLD)
    check_writable(tmp_path / "run")
    assert not (tmp_path / "new").exists()  # checking writes nothing


def test_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match=r"/file: cannot write the run folder: it exists and is not a folder"):
        check_writable(tmp_path / "file")
    with pytest.raises(OutputError, match=r"/file/sub: cannot write the run folder: \S*/file is not a folder"):
        check_writable(tmp_path / "file" / "sub")


@pytest.mark.parametrize("target, message", [
    ("/dev/null/x", r"^/dev/null/x: cannot write the run folder: /dev/null is not a folder"),
    ("/proc/x", r"^/proc/x: cannot write the run folder: cannot create a folder in /proc \("),
    ("/proc/self/x/y", r"^/proc/self/x/y: cannot write the run folder: cannot create a folder in /proc/self"),
])
def test_special_file_systems(target: str, message: str) -> None:
    with pytest.raises(OutputError, match=message):
        check_writable(target)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; /proc covers the failure")
def test_a_read_only_folder(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(OutputError, match=r"ro/run: cannot write the run folder: cannot create a folder in .*"
                                              r"\(Permission denied\)"):
            check_writable(ro / "run")
    finally:
        ro.chmod(stat.S_IRWXU)


def test_a_folder_with_other_files_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "result.json").write_text("{}")
    with pytest.raises(OutputError, match=r"the folder holds files that are not part of an archsim run \('notes.txt'\)"):
        RunFolder.prepare(tmp_path)
    (tmp_path / "notes.txt").unlink()
    (tmp_path / "sub").mkdir()
    with pytest.raises(OutputError, match=r"\('sub'\)"):
        RunFolder.prepare(tmp_path)


# -- writing --------------------------------------------------------------------------------------
def test_commit_writes_the_files_and_a_manifest(tmp_path: Path) -> None:
    target = _write_run(tmp_path / "run", OLD)
    files = _files(target)
    assert _without_manifest(files) == OLD
    manifest = json.loads(files[MANIFEST])
    assert manifest["files"]["result.json"] == {"bytes": len(OLD["result.json"]),
                                                "sha256": hashlib.sha256(OLD["result.json"]).hexdigest()}
    assert run_folder._is_whole_run(target)
    _write_run(tmp_path / "run", NEW)
    assert _without_manifest(_files(target)) == NEW
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # nothing left beside it


def test_replaces_a_run_folder_of_an_older_archsim(tmp_path: Path) -> None:
    old = tmp_path / "run"
    old.mkdir()
    for name, data in OLD.items():
        (old / name).write_bytes(data)
    (old / ".result.json.abc123.tmp").write_bytes(b"half")  # a temporary a killed older run left
    _write_run(old, NEW)
    assert _without_manifest(_files(old)) == NEW


def test_abort_keeps_the_previous_run(tmp_path: Path) -> None:
    target = _write_run(tmp_path / "run", OLD)
    folder = RunFolder.prepare(target)
    folder.write_bytes("result.json", NEW["result.json"])
    folder.abort()
    assert _without_manifest(_files(target)) == OLD and sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_refuses_unknown_and_repeated_names(tmp_path: Path) -> None:
    folder = RunFolder.prepare(tmp_path / "run")
    with pytest.raises(ValueError, match="not a run file"):
        folder.write_bytes("../evil", b"")
    folder.write_bytes("result.json", b"{}")
    with pytest.raises(ValueError, match="already written"):
        folder.write_bytes("result.json", b"{}")
    folder.abort()


def _failing(after: int, err: int = errno.ENOSPC) -> Callable[..., int]:
    real = os.write
    calls = [0]

    def write(fd: int, data: bytes) -> int:
        calls[0] += 1
        if calls[0] > after:
            raise OSError(err, os.strerror(err))
        return real(fd, data)
    return write


@pytest.mark.parametrize("after", [0, 1, 3, 6])
def test_a_full_disk_keeps_the_previous_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    target = _write_run(tmp_path / "run", OLD)
    monkeypatch.setattr(os, "write", _failing(after))
    with pytest.raises(OutputError, match=r"/run: cannot write the run folder: No space left on device; the previous "
                                          r"run there is kept \(hint: free some disk space"):
        _write_run(target, NEW)
    monkeypatch.undo()
    assert _without_manifest(_files(target)) == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_full_disk_on_the_first_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "write", _failing(2))
    with pytest.raises(OutputError, match=r"No space left on device; nothing was written"):
        _write_run(tmp_path / "run", NEW)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


# -- SIGKILL at every file-system call ------------------------------------------------------------
_POINTS = ("open", "write", "fsync", "close", "mkdir", "rename", "replace", "unlink", "rmdir", "chmod")


def _killed_writer(target: Path, kill_at: int, fallback: bool) -> None:
    """In a forked child: write NEW over the run at ``target``, SIGKILLed just before file-system call ``kill_at``
    (counting calls of os.open/write/fsync/close/mkdir/rename/..., and the exchange)."""
    count = [0]

    def point() -> None:
        count[0] += 1
        if count[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def wrap(fn: Callable[..., object]) -> Callable[..., object]:
        def wrapped(*args: object, **kwargs: object) -> object:
            point()
            return fn(*args, **kwargs)
        return wrapped

    for name in _POINTS:
        setattr(os, name, wrap(getattr(os, name)))
    if fallback:
        run_folder.exchange = lambda a, b: (point(), False)[1]  # type: ignore[assignment]
    else:
        run_folder.exchange = wrap(run_folder.exchange)  # type: ignore[assignment]
    _write_run(target, NEW)


def _fork(target: Path, kill_at: int, fallback: bool) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            _killed_writer(target, kill_at, fallback)
            os._exit(0)
        except BaseException:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _kill_points(tmp_path: Path, fallback: bool) -> Iterator[tuple[int, Path]]:
    """Kill a writer at call 1, 2, ... until one finishes; yield (kill point, target) after each kill."""
    for k in range(1, 500):
        case = tmp_path / f"k{k}"
        case.mkdir()
        target = _write_run(case / "run", OLD)
        status = _fork(target, k, fallback)
        if status == 0:
            assert k > 20  # the writer makes many calls; it was killed at each of them before
            return
        assert status == -signal.SIGKILL, f"kill point {k}: the writer failed (exit {status})"
        yield k, target
    raise AssertionError("the writer never finished")


@pytest.mark.skipif(run_folder._RENAMEAT2 is None, reason="renameat2 is Linux-only")
def test_sigkill_at_any_point_leaves_the_old_or_the_new_run(tmp_path: Path) -> None:
    seen = set()
    for k, target in _kill_points(tmp_path, fallback=False):
        files = _without_manifest(_files(target))
        assert files in (OLD, NEW), f"kill point {k}: the folder mixes runs: {sorted(files)}"
        seen.add("old" if files == OLD else "new")
        assert run_folder._is_whole_run(target)
        clean_leftovers(target)
        assert sorted(p.name for p in target.parent.iterdir()) == ["run"], f"kill point {k}: leftovers"
        assert _without_manifest(_files(target)) == files
    assert seen == {"old", "new"}


def test_sigkill_with_the_fallback_swap_is_repaired_by_the_next_run(tmp_path: Path) -> None:
    seen = set()
    for k, target in _kill_points(tmp_path, fallback=True):
        if target.exists():
            files = _without_manifest(_files(target))
            assert files in (OLD, NEW), f"kill point {k}: the folder mixes runs"
        RunFolder.prepare(target)  # the next run's check puts a whole run back and cleans the rest
        files = _without_manifest(_files(target))
        assert files in (OLD, NEW), f"kill point {k}: after repair the folder mixes runs"
        seen.add("old" if files == OLD else "new")
        assert sorted(p.name for p in target.parent.iterdir()) == ["run"], f"kill point {k}: leftovers"
    assert seen == {"old", "new"}


def test_leftovers_of_a_live_process_are_kept(tmp_path: Path) -> None:
    target = _write_run(tmp_path / "run", OLD)
    live = tmp_path / f".run.archsim-{os.getppid()}-abc.new"
    dead = tmp_path / ".run.archsim-999999999-abc.new"
    live.mkdir()
    dead.mkdir()
    assert clean_leftovers(target) == [dead]
    assert live.exists() and not dead.exists()
