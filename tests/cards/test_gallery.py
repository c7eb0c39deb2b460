"""The card gallery (scripts/card_gallery.py, docs/cards/): it shows every card the bot can
send, its cards are valid, and they render in the Adaptive Cards renderer with no errors.

Rendering needs the Python playwright package, Chromium and ``npm ci --prefix
scripts/gallery``; without them that one test skips and says what is missing.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.card_schema import validate_card

ROOT = Path(__file__).resolve().parents[2]
CARDS = ROOT / "cards"
SCRIPT = ROOT / "scripts" / "card_gallery.py"
DOCS = ROOT / "docs" / "cards"
#: Builds elements, not whole cards (``adaptive_card`` itself lives here).
ELEMENT_MODULES = {"elements"}
#: What the renderer must refuse: a bad colour, an element newer than 1.5 (Teams' limit),
#: an unknown action and two inputs with one id.
BROKEN_CARD = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [
        {"type": "TextBlock", "text": "Hello", "color": "purple"},
        {"type": "Carousel", "pages": []},
        {"type": "Input.Text", "id": "same", "label": "One"},
        {"type": "Input.Text", "id": "same", "label": "Two"},
    ],
    "actions": [{"type": "Action.Bogus", "title": "Press"}],
}


@cache
def gallery() -> ModuleType:
    """scripts/card_gallery.py, imported by path (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("card_gallery", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def card_builders() -> set[str]:
    """Every public function in cards/ that builds a whole card, as ``module.name``.

    A whole card is made by ``adaptive_card``; a builder is a function that calls it, or
    calls (in any cards module) a function that does, so a card made through a private
    helper (``_form_card``) or another builder counts too, whatever it is named. Element
    and form-body builders (``show_card``, ``entry_form``, ``setup_body``) never call it.
    """
    functions: dict[str, tuple[str, set[str]]] = {}  # "module.name" -> (name, names called)
    for path in sorted(CARDS.glob("*.py")):
        if path.stem in ELEMENT_MODULES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                called = {
                    call.func.id if isinstance(call.func, ast.Name) else call.func.attr
                    for call in ast.walk(node)
                    if isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name | ast.Attribute)
                }
                functions[f"cards.{path.stem}.{node.name}"] = (node.name, called)
    makers = {"adaptive_card"}
    grown = True
    while grown:
        before = len(makers)
        makers |= {name for name, called in functions.values() if called & makers}
        grown = len(makers) > before
    return {
        qualified
        for qualified, (name, called) in functions.items()
        if not name.startswith("_") and called & makers
    }


def test_every_card_the_bot_can_send_is_in_the_gallery() -> None:
    builders = card_builders()
    # The enumeration itself: it finds the builders and leaves out what is not a card.
    assert {"cards.meeting.agenda_card", "cards.forms.action_form_card"} <= builders
    assert {"cards.notices.reminder_digest_card", "cards.members.members_card"} <= builders
    assert not {"cards.setup.setup_body", "cards.forms.entry_form"} & builders
    shown = {f"{shot.builder.__module__}.{shot.builder.__name__}" for shot in gallery().shots()}
    missing = builders - shown
    assert not missing, (
        f"cards the gallery does not show: {sorted(missing)}. Add a Shot for each to "
        "scripts/card_gallery.py (with invented data) and run `make gallery`."
    )
    assert shown <= builders, f"gallery shots of functions that are not cards: {shown - builders}"


def test_gallery_names_are_unique_and_usable() -> None:
    names = [shot.name for shot in gallery().shots()]
    assert len(names) == len(set(names))
    for name in names:
        # A file name and an HTML id (the page's slot): lower-case words and hyphens.
        assert name[0].isalpha() and name.replace("-", "").isalnum(), name
        assert name == name.lower(), name


def test_gallery_cards_are_valid_adaptive_cards_1_5() -> None:
    for shot in gallery().shots():
        validate_card(shot.card())


def test_docs_cards_are_up_to_date() -> None:
    """docs/cards/ holds a PNG for every shot and no other, and the index as generated:
    a card added, renamed or recaptioned needs `make gallery` run again."""
    module = gallery()
    shots = module.shots()
    pictures = {path.stem for path in DOCS.glob("*.png")}
    names = {shot.name for shot in shots}
    rerun = "run `make gallery` and commit docs/cards/"
    assert names - pictures == set(), f"no picture for {sorted(names - pictures)}: {rerun}"
    assert pictures - names == set(), f"pictures of no shot {sorted(pictures - names)}: {rerun}"
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    assert index == module.index_markdown(shots), f"docs/cards/README.md is stale: {rerun}"
    for name in sorted(names):
        width, height = module.png_size(DOCS / f"{name}.png")
        assert width >= module.SLOT_WIDTH and height > 100, name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/cards/README.md" in readme


def test_every_card_renders_without_renderer_errors(tmp_path: Path) -> None:
    module = gallery()
    missing = module.missing_requirements()
    if missing:
        reason = "card gallery not rendered; missing: " + "; ".join(missing)
        print(reason)
        pytest.skip(reason)
    shots = module.shots()
    # And one broken card, to show that the renderer's complaints do reach the results.
    broken = module.Shot("broken", module.SETTING_UP, "Broken", "", lambda: BROKEN_CARD)
    *results, refused = module.render([*shots, broken], tmp_path)
    assert [r.shot.name for r in results] == [s.name for s in shots]
    errors = {r.shot.name: r.errors for r in results if r.errors}
    assert not errors, f"the Adaptive Cards renderer reported errors: {errors}"
    complaints = " ".join(refused.errors)
    for kind in ("InvalidPropertyValue", "UnknownElementType", "UnknownActionType", "DuplicateId"):
        assert kind in complaints, (kind, refused.errors)
    assert module.stale_complaints(results) == [], "remove these from KNOWN_COMPLAINTS"
    for result in results:
        width, height = module.png_size(result.png)
        assert (width, height) == (result.width, result.height)
        assert width == module.SLOT_WIDTH, (result.shot.name, width)
        # A blank or collapsed card compresses to almost nothing; a card with text does not.
        assert height >= 150, (result.shot.name, height)
        assert result.png.stat().st_size >= 8_000, (result.shot.name, result.png.stat().st_size)
