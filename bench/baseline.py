"""The commit before the render-cost work (issue 18), checked out beside this tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: main when the render-cost work began.
BASELINE = "d2020e0"
#: The content both trees render: the topics and catalogs of this tree (see `baseline_tree`).
CONTENT = ("leaflets/topics", "translations")


@contextmanager
def baseline_tree(rev: str = BASELINE) -> Iterator[Path]:
    """A temporary `git worktree` of ``rev`` holding this tree's topics and catalogs.

    The baseline runs its own code, templates and stylesheets on the same topics and
    translations as this tree, so both render the same leaflets: a comparison of the code,
    not of content that has grown since. The worktree is removed afterwards.
    """
    scratch = Path(tempfile.mkdtemp(prefix="leaflets-baseline-"))
    tree = scratch / "tree"
    git = ["git", "-C", str(ROOT)]
    subprocess.run([*git, "worktree", "add", "--quiet", "--detach", str(tree), rev], check=True)
    try:
        for folder in CONTENT:
            shutil.rmtree(tree / folder)
            shutil.copytree(ROOT / folder, tree / folder)
        _write_metadata(tree)
        # Bytecode, as `make bench` compiles for this tree: both start alike.
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(tree / "leaflets")], check=True
        )
        yield tree
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=False)
        shutil.rmtree(scratch, ignore_errors=True)


def _write_metadata(tree: Path) -> None:
    """Package metadata for the tree's own entry points (Babel finds its extractor by them).

    The installed metadata names this tree's modules; found first on the path, this copy makes
    Babel load the baseline's extractor and checkers from the baseline's module names.
    """
    project = tomllib.loads((tree / "pyproject.toml").read_text())["project"]
    info = tree / "leaflets-0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: leaflets\nVersion: 0\n")
    groups = {"console_scripts": project.get("scripts", {}), **project.get("entry-points", {})}
    (info / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in entries.items())
            for group, entries in groups.items()
        )
    )


def leaflets_command(tree: Path) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that run the `leaflets` CLI of ``tree``.

    The same interpreter and installed libraries serve both trees; PYTHONPATH puts the
    tree's own package first.
    """
    env = dict(os.environ, PYTHONPATH=str(tree))
    return [sys.executable, "-m", "leaflets"], env
