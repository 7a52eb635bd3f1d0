"""Headless Chromium for reports: screenshots and the rendered DOM, without a Python dependency.

Chromium (Debian package ``chromium``; ``chromium-browser``/``google-chrome`` also found) is driven
through its command line: ``--screenshot`` writes a PNG, ``--dump-dom`` prints the DOM after layout,
and ``--enable-logging=stderr`` makes console messages appear on stderr as ``CONSOLE(...)`` lines,
which :func:`console_errors` collects. Each call uses a fresh temporary profile and disables every
network-facing background feature, so it runs offline and leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from archsim.errors import ArchsimError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--enable-logging=stderr",
    "--v=0",
)


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary (``$ARCHSIM_CHROMIUM`` first), or None."""
    env = os.environ.get("ARCHSIM_CHROMIUM")
    if env:
        return env if Path(env).exists() else shutil.which(env)
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass(frozen=True, kw_only=True)
class BrowserRun:
    """Output of one headless Chromium run."""

    stdout: str
    """Standard output (the DOM for ``--dump-dom``)."""
    stderr: str
    """Standard error (logs, console messages)."""
    returncode: int
    """Exit status."""


def run_chromium(
    html_path: str | Path,
    *extra: str,
    width: int = 1280,
    height: int = 2400,
    timeout_s: float = 90.0,
    binary: str | None = None,
) -> BrowserRun:
    """Open ``html_path`` in headless Chromium with ``extra`` flags."""
    exe = binary or find_chromium()
    if exe is None:
        raise ArchsimError(
            "chromium not found",
            hint="install it (Debian: apt-get install -y chromium) "
            "or set ARCHSIM_CHROMIUM to the browser binary",
        )
    url = Path(html_path).resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="archsim-chromium-") as profile:
        cmd = [exe, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", *extra, url]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ArchsimError(f"chromium did not finish within {timeout_s:g} s on {html_path}") from exc
    return BrowserRun(stdout=proc.stdout, stderr=proc.stderr, returncode=proc.returncode)


def screenshot(html_path: str | Path, png_path: str | Path, *, width: int = 1280, height: int = 2400) -> Path:
    """Write a PNG screenshot of the page's first ``width``×``height`` pixels."""
    target = Path(png_path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    run = run_chromium(html_path, f"--screenshot={target}", width=width, height=height)
    if not target.is_file():
        raise ArchsimError(
            f"chromium wrote no screenshot for {html_path} (exit {run.returncode})",
            hint=run.stderr.strip().splitlines()[-1] if run.stderr.strip() else None,
        )
    return target


def dump_dom(html_path: str | Path) -> BrowserRun:
    """The DOM after parsing and layout (stdout) plus the browser log (stderr)."""
    return run_chromium(html_path, "--dump-dom", "--virtual-time-budget=2000")


_CONSOLE = re.compile(r"CONSOLE\(\d+\)\]?\s*\"?(.*)", re.IGNORECASE)
_PAGE_ERROR = re.compile(r"(Uncaught|Refused to|Failed to load resource|net::ERR_)")


def console_errors(stderr: str) -> list[str]:
    """Console messages and page-load errors in a Chromium log (not the browser's own D-Bus noise)."""
    errors = []
    for line in stderr.splitlines():
        if "CONSOLE" in line or _PAGE_ERROR.search(line):
            errors.append(line.strip())
    return errors
