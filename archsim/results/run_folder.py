"""Run folders that always hold one whole run: checked before any work, written aside, swapped in at once.

A run writes ``result.json``, ``report.html``, ``hwconfig.resolved.yaml`` and ``workload.yaml`` into one folder.
:class:`RunFolder` makes that folder change from the previous run to the new one in a single step:

1. :meth:`RunFolder.prepare` (before any work) checks that the folder can be written: the path is a folder or
   does not exist yet, the nearest existing parent is a folder in which a sub-folder can be created (probed by
   creating one, so a read-only file system or ``/proc`` fails here, not after an hour of simulation), and an
   existing folder holds nothing but a run's files (archsim replaces a run folder as a whole, so it refuses to
   replace a folder holding anything else). It also cleans what killed runs left behind (below).
2. :meth:`RunFolder.write_text` writes each file into a *staging* folder beside the target,
   ``.<name>.archsim-<pid>-<token>.new``; :meth:`RunFolder.commit` writes the manifest ``archsim-run.json`` last
   (every file with its size and sha256), flushes everything to disk and swaps the staging folder with the
   target in one ``renameat2(RENAME_EXCHANGE)`` call (Linux >= 3.15), then deletes the previous run. Where the
   exchange is not available (another OS or file system) it renames the old run aside and the new one into
   place; a kill between those two renames leaves no folder at the target for a moment, and the next
   :meth:`RunFolder.prepare` (or :func:`clean_leftovers`) puts the whole new run (or, if it was not complete,
   the old one) back. So after a kill at any point the target holds the old run or the new run, whole.
3. :func:`clean_leftovers` removes staging and set-aside folders of processes that no longer run.
4. A write that fails (a full disk: ``ENOSPC``) deletes the staging folder and raises one
   :class:`~archsim.errors.OutputError` line; the previous run stays as it was.

:func:`default_run_dir` builds ``reports/<hw>-<workload>-<mode>`` from names in the input files, which are
sanitised (:func:`safe_folder_name`) so that a name such as ``../../x`` or ``/abs/path`` stays inside ``reports/``.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import sys
from pathlib import Path

from archsim.errors import OutputError

#: The manifest, written last: a folder with a manifest that matches its files is a whole run.
MANIFEST = "archsim-run.json"
#: Files a run folder may hold; a folder holding anything else is not replaced.
RUN_FILES = frozenset({"result.json", "report.html", "report.png", "hwconfig.resolved.yaml", "workload.yaml",
                       "archsim.log", "point.json", MANIFEST})  # point.json: a sweep point's record (archsim.sweep)
#: Bytes per ``os.write`` call.
_CHUNK = 1 << 16
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.archsim-(?P<pid>\d+)-(?P<token>[0-9a-f]+)\.(?P<what>new|old|probe)$")
_TMP_FILE = re.compile(r"^\..+\.tmp$")  # an atomic-write temporary of archsim.results.io


# -- names ------------------------------------------------------------------------------------------
def safe_folder_name(text: str, *, limit: int = 120) -> str:
    """``text`` as one folder name: path components ``.`` and ``..`` dropped, the others joined by ``_``;
    characters other than letters, digits, ``.``, ``_``, ``+`` and ``-`` become ``_``; no leading or trailing
    ``.``/``_``/``-``; at most ``limit`` characters; ``run`` if nothing is left.

    The result has no path separator and never is ``.`` or ``..`` (``../../x`` -> ``x``; ``/abs/path`` ->
    ``abs_path``).
    """
    parts = [p.strip(".") for p in re.split(r"[/\\]+", text) if p.strip(".")]
    name = re.sub(r"[^A-Za-z0-9._+-]+", "_", "_".join(parts)).strip("._-")[:limit].rstrip("._-")
    return name or "run"


def default_run_dir(*names: str, root: str | Path = "reports") -> Path:
    """``root/<names sanitised, joined by '-'>``, a folder that is always directly inside ``root``."""
    return Path(root) / safe_folder_name("-".join(safe_folder_name(n) for n in names))


# -- checks -----------------------------------------------------------------------------------------
def _fail(target: Path, what: str, hint: str | None = None) -> OutputError:
    return OutputError(f"{target}: cannot write the run folder: {what}", hint=hint)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _foreign_entries(folder: Path) -> list[str]:
    """Entries of an existing folder that are not a run's files (nor an atomic-write temporary)."""
    return sorted(e.name for e in os.scandir(folder)
                  if not ((e.name in RUN_FILES or _TMP_FILE.match(e.name)) and e.is_file(follow_symlinks=False)))


def check_writable(target: str | Path) -> Path:
    """See :func:`_check_writable`; a path the file system refuses (too long, a loop of links) is one line too."""
    try:
        return _check_writable(target)
    except OSError as exc:
        raise _fail(Path(target), _reason(exc)) from None


def _check_writable(target: str | Path) -> Path:
    """Check before any work that a run can be written to ``target``; return it (a symbolic link to a folder
    resolved to that folder).

    Raises:
        OutputError: the path exists and is not a folder; it is a folder holding other files than a run's;
            a parent is not a folder; or no folder can be created where it would go (permissions, a read-only
            or special file system).
    """
    target = Path(target)
    if target.is_symlink() and target.is_dir():
        target = Path(os.path.realpath(target))
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise _fail(target, "it exists and is not a folder", "choose another -o folder")
        try:
            foreign = _foreign_entries(target)
        except OSError as exc:
            raise _fail(target, f"cannot list the existing folder ({_reason(exc)})") from None
        if foreign:
            shown = ", ".join(repr(n) for n in foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise _fail(target, f"the folder holds files that are not part of an archsim run ({shown})",
                        "archsim replaces a run folder as a whole; choose a new or empty folder with -o")
    absolute = Path(os.path.abspath(target))
    existing = absolute.parent
    while not existing.exists():
        if existing.is_symlink():
            raise _fail(target, f"{existing} is a broken symbolic link")
        existing = existing.parent
    if not existing.is_dir():
        raise _fail(target, f"{existing} is not a folder")
    try:
        probe = existing / f".{absolute.name}.archsim-{os.getpid()}-{secrets.token_hex(6)}.probe"
        os.mkdir(probe, 0o700)
        os.rmdir(probe)
    except OSError as exc:
        raise _fail(target, f"cannot create a folder in {existing} ({_reason(exc)})",
                    "choose a folder you can write with -o") from None
    return target


# -- leftovers --------------------------------------------------------------------------------------
def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        os.unlink(path)


def _is_whole_run(folder: Path) -> bool:
    """True if ``folder`` holds a manifest and exactly the files it lists, with their sizes and hashes."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
        present = {e.name for e in os.scandir(folder)} - {MANIFEST}
        if set(files) != present:
            return False
        for name, entry in files.items():
            data = (folder / name).read_bytes()
            if len(data) != entry["bytes"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
                return False
        return True
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def clean_leftovers(target: str | Path) -> list[Path]:
    """Remove what killed runs left beside ``target``; restore a whole run if a kill left none at ``target``.

    Staging (``.new``), set-aside (``.old``) and probe (``.probe``) folders of processes that still run are kept (a concurrent run
    into the same folder). If ``target`` is missing (a kill between the two renames of the fallback swap), the
    newest complete staging folder becomes ``target``, else the set-aside old run goes back. Returns the paths
    removed.
    """
    target = Path(os.path.abspath(target))
    parent = target.parent
    if not parent.is_dir():
        return []
    mine = []
    for entry in os.scandir(parent):
        m = _LEFTOVER.match(entry.name)
        if m and m["name"] == target.name and not _alive(int(m["pid"])):
            mine.append((Path(entry.path), m["what"]))
    if not target.exists():
        complete = [p for p, what in mine if what == "new" and _is_whole_run(p)]
        olds = [p for p, what in mine if what == "old"]
        restore = max(complete, key=lambda p: p.stat().st_mtime) if complete else (olds[0] if olds else None)
        if restore is not None:
            os.rename(restore, target)
            mine = [(p, w) for p, w in mine if p != restore]
    removed = []
    for path, _ in mine:
        _remove_tree(path)
        removed.append(path)
    return removed


# -- the exchange -----------------------------------------------------------------------------------
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _load_renameat2() -> object | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _load_renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically (``renameat2(RENAME_EXCHANGE)``); False where that is not supported.

    Raises:
        OSError: for any other failure of the call.
    """
    if _RENAMEAT2 is None:
        return False
    rc = _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)  # type: ignore[operator]
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- the folder -------------------------------------------------------------------------------------
class RunFolder:
    """The run folder of one run: files go to a staging folder until :meth:`commit` swaps it into place.

    Use::

        folder = RunFolder.prepare(out_dir)      # before any work: checks, cleans leftovers
        folder.write_text("result.json", text)    # any number of files (into the staging folder)
        folder.commit()                           # manifest, fsync, swap: the target now holds the new run
        # on an error before commit: folder.abort() (the staging folder goes; the previous run stays)
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        """The run folder (as given)."""
        self._staging: Path | None = None
        self._files: dict[str, tuple[int, str]] = {}
        self._done = False

    @classmethod
    def prepare(cls, target: str | Path) -> RunFolder:
        """Check that ``target`` can take a run and clean leftovers of killed runs there (nothing is written).

        Raises:
            OutputError: as :func:`check_writable`.
        """
        path = check_writable(target)
        try:
            clean_leftovers(path)
        except OSError as exc:
            raise _fail(path, f"cannot remove what an earlier, killed run left beside it ({_reason(exc)})") from None
        return cls(path)

    def path(self, name: str) -> Path:
        """Where the file ``name`` will be once the run is committed."""
        return self.target / name

    @property
    def staging(self) -> Path | None:
        """The staging folder (None before the first write)."""
        return self._staging

    def _stage(self) -> Path:
        if self._done:
            raise RuntimeError(f"{self.target}: the run folder was already committed or aborted")
        if self._staging is None:
            absolute = Path(os.path.abspath(self.target))
            absolute.parent.mkdir(parents=True, exist_ok=True)
            token = secrets.token_hex(6)
            staging = absolute.parent / f".{absolute.name}.archsim-{os.getpid()}-{token}.new"
            os.mkdir(staging, 0o777)
            self._staging = staging
        return self._staging

    def _write_bytes(self, path: Path, data: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 & ~_umask())
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view[:_CHUNK])
                view = view[n:]
            os.fsync(fd)
        finally:
            os.close(fd)

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Write the file ``name`` of the run (into the staging folder); return its final path.

        Raises:
            OutputError: if it cannot be written (the staging folder is deleted; the previous run stays).
        """
        if name not in RUN_FILES or name == MANIFEST:
            raise ValueError(f"{name!r} is not a run file; expected one of {sorted(RUN_FILES - {MANIFEST})}")
        if name in self._files:
            raise ValueError(f"{name!r} was already written to this run folder")
        try:
            self._write_bytes(self._stage() / name, data)
        except OSError as exc:
            self.abort()
            raise self._write_error(exc) from None
        self._files[name] = (len(data), hashlib.sha256(data).hexdigest())
        return self.path(name)

    def write_text(self, name: str, text: str) -> Path:
        """Write the text file ``name`` (UTF-8); see :meth:`write_bytes`."""
        return self.write_bytes(name, text.encode("utf-8"))

    def _write_error(self, exc: OSError) -> OutputError:
        kept = "the previous run there is kept" if self.target.exists() else "nothing was written"
        hint = "free some disk space and run again" if exc.errno == errno.ENOSPC else None
        return _fail(self.target, f"{_reason(exc)}; {kept}", hint)

    def commit(self) -> Path:
        """Write the manifest, flush, and swap the staging folder into place; return the run folder.

        Raises:
            OutputError: if that fails (the previous run stays).
        """
        staging = self._stage()
        manifest = {"files": {n: {"bytes": b, "sha256": h} for n, (b, h) in sorted(self._files.items())}}
        old: Path | None = None
        try:
            self._write_bytes(staging / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
            os.chmod(staging, 0o777 & ~_umask())
            _fsync_dir(staging)
            if self.target.exists():
                if exchange(staging, self.target):
                    old = staging
                else:
                    old = staging.with_name(staging.name[:-len(".new")] + ".old")
                    os.rename(self.target, old)
                    os.rename(staging, self.target)
            else:
                os.rename(staging, self.target)
            _fsync_dir(staging.parent)
        except OSError as exc:
            if old is not None and old != staging and not self.target.exists():
                os.rename(old, self.target)  # the fallback swap failed half-way: the old run goes back
            self.abort()
            raise self._write_error(exc) from None
        self._done = True
        self._staging = None
        if old is not None:
            _remove_tree(old)
        return self.target

    def abort(self) -> None:
        """Delete the staging folder (the previous run, if any, stays as it was)."""
        self._done = True
        if self._staging is not None:
            try:
                _remove_tree(self._staging)
            except OSError:  # best effort while another error is raised; clean_leftovers removes it later
                pass
            self._staging = None


__all__ = ["MANIFEST", "RUN_FILES", "RunFolder", "check_writable", "clean_leftovers", "default_run_dir", "exchange",
           "safe_folder_name"]
