"""Every command shows examples in its --help, and every option is documented.

Options are found in README.md or a page under docs/, so a new option of any command
fails here until it is written up (as sqlite-utils' tests/test_docs.py does). Grids the
docs list (`NAME` = a, b, c) must equal CONSTANTS.py's.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = sorted(main.commands)


def _documentation() -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def _options(command: click.Command) -> list[str]:
    """Every long option string of a command (both halves of --x/--no-x)."""
    return sorted({opt for param in command.params if isinstance(param, click.Option)
                   for opt in param.opts + param.secondary_opts
                   if opt.startswith("--") and opt != "--help"})


def test_there_are_commands_to_check():
    assert {"search", "top-n", "report", "analyze"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_help_has_examples(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    examples = result.output.split("Examples:", 1)
    assert len(examples) == 2, f"`nas {name} --help` has no Examples: block"
    lines = re.findall(rf"^\s+nas {re.escape(name)}\b.*$", examples[1], re.M)
    assert lines, f"the Examples: block of `nas {name}` shows no `nas {name}` command line"


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_documented(name):
    assert f"nas {name}" in _documentation()


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_is_documented(name):
    docs = _documentation()
    missing = [opt for opt in _options(main.commands[name])
               if not re.search(rf"{re.escape(opt)}(?![\w-])", docs)]
    assert not missing, f"nas {name}: options missing from README.md and docs/*.md: {missing}"


PAGES = ["README.md", *sorted(p.name for p in (ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES)
def test_relative_links_point_to_files(page):
    path = ROOT / page if page == "README.md" else ROOT / "docs" / page
    links = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8"))
    missing = [link for link in links if not (path.parent / link).exists()]
    assert not missing, f"{page} links to missing files: {missing}"


def test_every_registered_strategy_and_space_is_documented():
    from mlpnas.spaces import SPACES
    from mlpnas.strategies import STRATEGIES

    docs = _documentation()
    missing = [name for name in [*STRATEGIES, *SPACES] if f"`{name}`" not in docs]
    assert not missing, f"registered but not documented: {missing}"


def _documented_grids() -> list[tuple[str, list[str]]]:
    """Every `NAME` = a, b, c in the docs whose NAME is a tuple in CONSTANTS.py."""
    import CONSTANTS

    found = []
    for name, values in re.findall(r"`([A-Z][A-Z0-9_]+)` = ([^|\n]+)", _documentation()):
        values = re.sub(r"\([^)]*\)", "", values)  # "shift (up to ...)" -> "shift"
        if isinstance(getattr(CONSTANTS, name, None), tuple):
            found.append((name, [v.strip().split(" ")[0] for v in values.split(",")]))
    return found


def test_documented_grids_match_constants():
    import CONSTANTS

    grids = _documented_grids()
    assert len(grids) >= 10, "the docs list the tabular and image grids"
    for name, documented in grids:
        actual = getattr(CONSTANTS, name)
        shown = [("on" if v else "off") if isinstance(v, bool)
                 else f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in actual]
        assert documented == shown, f"{name}: docs {documented}, CONSTANTS {shown}"
