"""Each layer imports only what it may: the domain stays free of Teams and the database,
cards know only the domain, dialogs never reach the tables, and only bot/teams (with the
composition root, bot/app.py, which wires the adapter) knows botbuilder.

The imports are read from the source, in every form a module can be imported: ``import
a.b`` (with or without ``as``), ``from a import b`` (``b`` counted as the submodule
``a.b`` too, since it may be one: ``from bot.store import tables`` is an import of
``bot.store.tables``), relative imports, imports inside functions, classes and ``if
TYPE_CHECKING:`` blocks, and ``importlib.import_module``/``__import__`` with a literal
name. Reading only ``from a import ...``'s ``a``, as this test once did, let ``from
bot.store import tables as t`` through unseen; the unit tests at the end prove each form
is caught. What source alone cannot show is not seen: a submodule reached as an attribute
of a package imported whole (``from bot import store``, then ``store.tables``), and the
names ``from a import *`` brings (``a`` itself is counted).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: The SDK and what comes with it: kept inside bot/teams so a move to its successor (the
#: Microsoft 365 Agents SDK, ``microsoft_agents``) is contained (bot/teams/sdk/README.md).
SDK = ("botbuilder", "botframework", "msrest", "microsoft_agents")
#: Where the SDK may be imported: the Teams edge, and the composition root that builds
#: the adapter from settings.
SDK_EDGE = ("bot/teams/", "bot/app.py")

_IMPORT_FUNCTIONS = frozenset({"import_module", "__import__"})


def module_of(path: Path) -> tuple[str, bool]:
    """The dotted name of the module at ``path`` (under ROOT) and whether it is a package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _absolute(name: str, level: int, package: str) -> str:
    """``name`` imported with ``level`` leading dots from inside ``package``."""
    if level == 0:
        return name
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return name  # beyond the top package: Python refuses it; nothing to resolve
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, name] if name else base)


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _imported_by_call(call: ast.Call, package: str) -> str | None:
    """The module ``importlib.import_module("...")`` or ``__import__("...")`` names, when
    the name is a literal; a relative one is resolved against its ``package`` argument
    when that is a literal too, else against the calling module's package."""
    func = call.func
    called = (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id
        if isinstance(func, ast.Name)
        else None
    )
    if called not in _IMPORT_FUNCTIONS or not call.args:
        return None
    name = _literal(call.args[0])
    if name is None:
        return None
    level = len(name) - len(name.lstrip("."))
    if level and called == "import_module":
        given = call.args[1] if len(call.args) > 1 else None
        for keyword in call.keywords:
            if keyword.arg == "package":
                given = keyword.value
        package = _literal(given) or package
    return _absolute(name.lstrip("."), level, package)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every module ``source`` (the code of ``module``) may import, by dotted name.

    ``from a import b`` gives both ``a`` and ``a.b``: whether ``b`` is a submodule or a
    name defined in ``a`` cannot be told from the source, and a rule about ``a.b`` must
    see it either way."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module or "", node.level, package)
            if base:
                found.add(base)
            found.update(
                f"{base}.{alias.name}" if base else alias.name
                for alias in node.names
                if alias.name != "*"
            )
        elif isinstance(node, ast.Call):
            called = _imported_by_call(node, package)
            if called:
                found.add(called)
    return found


def imports_of(folder: str) -> dict[str, set[str]]:
    """What each module under ``folder`` imports, by its path."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        module, is_package = module_of(path)
        source = path.read_text(encoding="utf-8")
        found[str(path.relative_to(ROOT))] = imported_modules(source, module, is_package=is_package)
    return found


def within(name: str, prefixes: Iterable[str]) -> bool:
    """Whether ``name`` is one of ``prefixes`` or inside one (``bot.store`` covers
    ``bot.store.tables``, not ``bot.storefront``)."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def breaches(found: dict[str, set[str]], forbidden: Iterable[str]) -> dict[str, list[str]]:
    """The modules that import something ``forbidden``, with what they import of it."""
    forbidden = tuple(forbidden)
    offenders = {
        path: sorted(n for n in names if within(n, forbidden)) for path, names in found.items()
    }
    return {path: names for path, names in offenders.items() if names}


def outside(found: dict[str, set[str]], allowed: Iterable[str]) -> dict[str, list[str]]:
    """The modules that import anything but the standard library and ``allowed`` (a
    package above an allowed one, such as ``bot`` for ``bot.domain``, runs nothing but
    its ``__init__`` and counts as allowed)."""
    allowed = tuple(allowed)

    def fine(name: str) -> bool:
        return (
            name.split(".")[0] in sys.stdlib_module_names
            or within(name, allowed)
            or any(a.startswith(name + ".") for a in allowed)
        )

    offenders = {path: sorted(n for n in names if not fine(n)) for path, names in found.items()}
    return {path: names for path, names in offenders.items() if names}


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        (
            "bot/domain",
            (
                "botbuilder",
                "botframework",
                "sqlalchemy",
                "aiohttp",
                "bot.store",
                "bot.teams",
                "bot.services",
                "dialogs",
                "cards",
            ),
        ),
        (
            "bot/services",
            ("botbuilder", "botframework", "aiohttp", "bot.teams", "dialogs", "cards"),
        ),
        (
            "bot/store",
            ("botbuilder", "botframework", "bot.teams", "bot.services", "dialogs", "cards"),
        ),
        (
            "cards",
            (
                "botbuilder",
                "botframework",
                "sqlalchemy",
                "bot.store",
                "bot.services",
                "bot.teams",
                "dialogs",
            ),
        ),
        ("dialogs", ("botbuilder", "botframework", "bot.teams", "bot.store.tables")),
    ],
)
def test_layers_do_not_reach_outwards(folder: str, forbidden: tuple[str, ...]) -> None:
    found = imports_of(folder)
    assert found, f"no modules found under {folder}"
    assert breaches(found, forbidden) == {}


def test_cards_import_only_the_domain() -> None:
    """Cards are pure builders: the domain's types and texts in, card JSON out."""
    found = imports_of("cards")
    assert found
    assert outside(found, ("cards", "bot.domain")) == {}


def test_the_domain_imports_only_itself_and_its_calendar() -> None:
    """The domain is rules and vocabulary: the standard library, and ``holidays`` for the
    bank holidays that working days skip. Anything else (the store, Graph, HTTP, the
    settings) is a layer above it."""
    found = imports_of("bot/domain")
    assert found
    assert outside(found, ("bot.domain", "holidays")) == {}


@pytest.mark.parametrize("folder", ["bot", "dialogs", "cards", "scripts"])
def test_only_the_teams_edge_knows_the_sdk(folder: str) -> None:
    found = {
        path: names for path, names in imports_of(folder).items() if not path.startswith(SDK_EDGE)
    }
    assert found
    assert breaches(found, SDK) == {}


# The reader itself: one synthetic module per form of import, as (source, the module it
# is read as, what it must be seen to import).

SERVICE = "bot.services.meetings"
STORE = "bot.store.meetings"
FORMS = {
    "import": ("import bot.store.tables\n", SERVICE, "bot.store.tables"),
    "import as": ("import bot.store.tables as t\n", SERVICE, "bot.store.tables"),
    "from": ("from bot.store import db\n", SERVICE, "bot.store.db"),
    "from a submodule": ("from bot.store import tables\n", SERVICE, "bot.store.tables"),
    "from as": ("from bot.store import tables as t\n", SERVICE, "bot.store.tables"),
    "from, several": ("from bot.store import db, tables as t\n", SERVICE, "bot.store.tables"),
    "relative sibling": ("from .tables import ACTIONS\n", STORE, "bot.store.tables"),
    "relative package": ("from . import tables\n", STORE, "bot.store.tables"),
    "relative parent": ("from ..store import tables\n", SERVICE, "bot.store.tables"),
    "in a function": (
        "def f():\n    from bot.store import tables\n",
        SERVICE,
        "bot.store.tables",
    ),
    "in a method": (
        "class C:\n    async def f(self):\n        import bot.store.tables as t\n",
        SERVICE,
        "bot.store.tables",
    ),
    "type checking": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.store import tables\n",
        SERVICE,
        "bot.store.tables",
    ),
    "try": (
        "try:\n    import botbuilder.core\nexcept ImportError:\n    pass\n",
        SERVICE,
        "botbuilder.core",
    ),
    "importlib": (
        'import importlib\nt = importlib.import_module("bot.store.tables")\n',
        SERVICE,
        "bot.store.tables",
    ),
    "import_module": (
        'from importlib import import_module\nt = import_module("bot.store.tables")\n',
        SERVICE,
        "bot.store.tables",
    ),
    "importlib relative": (
        'import importlib\nt = importlib.import_module(".tables", "bot.store")\n',
        SERVICE,
        "bot.store.tables",
    ),
    "importlib relative keyword": (
        'import importlib\nt = importlib.import_module(".tables", package="bot.store")\n',
        SERVICE,
        "bot.store.tables",
    ),
    "importlib relative to itself": (
        'import importlib\nt = importlib.import_module("..store.tables", __package__)\n',
        SERVICE,
        "bot.store.tables",
    ),
    "__import__": ('t = __import__("bot.store.tables")\n', SERVICE, "bot.store.tables"),
}


@pytest.mark.parametrize(("source", "module", "expected"), FORMS.values(), ids=FORMS.keys())
def test_the_reader_sees_every_form_of_import(source: str, module: str, expected: str) -> None:
    assert expected in imported_modules(source, module)


@pytest.mark.parametrize(("source", "module", "expected"), FORMS.values(), ids=FORMS.keys())
def test_the_rules_catch_every_form_of_import(source: str, module: str, expected: str) -> None:
    found = {"x.py": imported_modules(source, module)}
    assert expected in breaches(found, ("bot.store", "botbuilder")).get("x.py", [])


def test_a_package_resolves_its_own_relative_imports() -> None:
    assert "bot.store.tables" in imported_modules(
        "from . import tables\n", "bot.store", is_package=True
    )
    assert "bot.store.tables" in imported_modules(
        "from .tables import ACTIONS\n", "bot.store", is_package=True
    )


def test_an_import_by_a_computed_name_cannot_be_read() -> None:
    source = 'import importlib\nname = "bot.store.tables"\nimportlib.import_module(name)\n'
    assert imported_modules(source, "dialogs.notices") == {"importlib"}


def test_a_prefix_covers_submodules_not_lookalikes() -> None:
    found = {"x.py": {"bot.storefront", "bot.store", "bot.store.tables"}}
    assert breaches(found, ("bot.store",)) == {"x.py": ["bot.store", "bot.store.tables"]}


def test_an_allow_list_admits_the_standard_library_and_parent_packages() -> None:
    found = {
        "x.py": imported_modules(
            "from __future__ import annotations\nimport collections.abc\n"
            "from bot import domain\nfrom bot.domain.model import Action\n"
            "from bot import store\nimport orjson\n",
            "cards.x",
        )
    }
    assert outside(found, ("cards", "bot.domain")) == {"x.py": ["bot.store", "orjson"]}


def test_module_names_come_from_paths() -> None:
    assert module_of(ROOT / "bot/store/tables/base.py") == ("bot.store.tables.base", False)
    assert module_of(ROOT / "bot/store/__init__.py") == ("bot.store", True)
