"""docs/deploy.md and the Azure templates in infra/azure, checked offline.

1. **Settings table.** Every environment variable the code reads (found in the source, not
   listed by hand) is in the settings table of docs/deploy.md, and the table names nothing
   the code no longer reads: a new setting without documentation fails the build.
2. **Bicep.** No Bicep compiler runs here (it is a .NET program fetched from GitHub), so
   the templates are checked by a small lexer: brackets balance; every name used is
   declared; every declared parameter is used; module calls pass only parameters the
   module declares and every one it requires; every resource names an API version; no
   secret is written into a template, a parameters file or an output; and the settings
   that make the deployment secure by default are there. ``az bicep build`` must still be
   run where the Azure CLI is available (docs/deploy.md).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY_DOC = REPO / "docs" / "deploy.md"
AZURE = REPO / "infra" / "azure"
MAIN = AZURE / "main.bicep"
PARAMETERS_EXAMPLE = AZURE / "main.parameters.example.json"
#: The running code: where settings are read.
CODE_DIRS = ("bot", "dialogs", "cards")

ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*[A-Z0-9]")
#: Names a variable holding the environment goes by (``env = dict(os.environ)``).
ENV_MAPPINGS = frozenset({"env", "environ", "environment"})


# ====================================================================== the settings


def _is_env_mapping(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute) and node.attr == "environ":
        return True  # os.environ
    return isinstance(node, ast.Name) and node.id in ENV_MAPPINGS


def _name_constant(node: ast.AST) -> str | None:
    is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
    return node.value if is_text and ENV_NAME.fullmatch(node.value) else None


def env_reads(source: str) -> set[str]:
    """Environment variable names a module reads:

    - ``env.get("NAME", ...)``, ``os.environ.get("NAME")``, ``os.environ.pop("NAME")``;
    - ``env["NAME"]`` and ``os.environ["NAME"]`` when read (not when assigned);
    - ``os.getenv("NAME")`` and ``getenv("NAME")``;
    - ``"NAME" in os.environ``;
    - a helper handed the environment and a name, ``_port(env, "PORT", 3978)``.
    """
    names: set[str | None] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            getter = isinstance(func, ast.Attribute) and (
                func.attr == "getenv"
                or (func.attr in {"get", "pop", "setdefault"} and _is_env_mapping(func.value))
            )
            if getter or (isinstance(func, ast.Name) and func.id == "getenv"):
                names.add(_name_constant(node.args[0]))
            elif any(_is_env_mapping(a) for a in node.args):
                # A helper handed the environment: the first setting-like name it gets.
                names.add(next(filter(None, map(_name_constant, node.args)), None))
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and _is_env_mapping(node.value)
        ):
            names.add(_name_constant(node.slice))
        elif (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and _is_env_mapping(node.comparators[0])
        ):
            names.add(_name_constant(node.left))
    return {name for name in names if name}


@cache
def settings_read_by_code() -> frozenset[str]:
    names: set[str] = set()
    for folder in CODE_DIRS:
        for path in sorted((REPO / folder).rglob("*.py")):
            names |= env_reads(path.read_text(encoding="utf-8"))
    return frozenset(names)


def markdown_table_after(text: str, heading: re.Pattern[str]) -> list[list[str]]:
    """The rows (cells stripped) of the first table after the first matching heading."""
    lines = text.splitlines()
    in_code = [False] * len(lines)  # inside a ``` block, where "# ..." is a shell comment
    fenced = False
    for n, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        in_code[n] = fenced
    start = next(
        (n for n, line in enumerate(lines) if not in_code[n] and heading.match(line)), None
    )
    assert start is not None, f"no heading matching {heading.pattern!r} in docs/deploy.md"
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("#") and not rows:
            break  # the next section began before any table
        if line.lstrip().startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                rows.append(cells)
        elif rows:
            break
    return rows[1:]  # without the header row


@cache
def documented_settings() -> dict[str, list[str]]:
    """Setting name -> its row, from the settings table of docs/deploy.md."""
    rows = markdown_table_after(
        DEPLOY_DOC.read_text(encoding="utf-8"), re.compile(r"^#+\s.*\bsettings\b", re.I)
    )
    table: dict[str, list[str]] = {}
    for row in rows:
        for name in re.findall(r"`([^`]+)`", row[0]):
            if ENV_NAME.fullmatch(name):
                table[name] = row
    return table


def test_the_extractor_finds_every_way_of_reading_the_environment() -> None:
    source = """
import os
from os import getenv, environ
def from_env(env):
    a = env.get("ALPHA", "")
    b = os.environ.get("BRAVO")
    c = os.environ["CHARLIE"]
    d = os.getenv("DELTA", "1")
    e = getenv("ECHO")
    f = "FOXTROT" in os.environ
    g = _port(env, "GOLF", 3978)
    h = env["HOTEL"]
    env["PGPASSWORD"] = "written, not read"
    log.info("NOT_A_SETTING")
    i = env.get("lower_case")
    j = other.get("JULIET")
    return env.get("LOG_LEVEL", "INFO")
"""
    assert env_reads(source) == {
        "ALPHA",
        "BRAVO",
        "CHARLIE",
        "DELTA",
        "ECHO",
        "FOXTROT",
        "GOLF",
        "HOTEL",
        "LOG_LEVEL",
    }


def test_the_extractor_sees_the_settings_the_bot_is_known_to_read() -> None:
    found = settings_read_by_code()
    for name in ("APP_ID", "APP_PASSWORD", "APP_TENANTID", "DATABASE_URL", "MACE_DATA_KEYS"):
        assert name in found, f"the extractor missed {name}: it has lost track of the code"
    assert "PORT" in found


def test_every_setting_the_code_reads_is_in_the_deploy_settings_table() -> None:
    missing = sorted(settings_read_by_code() - documented_settings().keys())
    assert not missing, (
        f"docs/deploy.md, settings table: add {', '.join(missing)} (name, default, what it does)"
    )


def test_the_settings_table_names_nothing_the_code_does_not_read() -> None:
    stale = sorted(documented_settings().keys() - settings_read_by_code())
    assert not stale, f"docs/deploy.md names settings nothing reads: {', '.join(stale)}"


def test_every_setting_row_gives_a_default_and_a_meaning() -> None:
    for name, row in documented_settings().items():
        assert len(row) >= 3, f"{name}: the row needs a default and a meaning"
        assert all(cell for cell in row[1:3]), f"{name}: fill in the default and the meaning"


def test_the_guide_names_only_real_commands_and_links_the_data_protection_page() -> None:
    from bot.cli import _parser

    parser = _parser()
    commands: set[str] = set()
    for action in parser._actions:
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict):
            commands |= set(choices)
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    used = set(re.findall(r"\bmace-bot ([a-z][a-z-]*)", text))
    assert used, "the guide shows the mace-bot commands to run"
    assert not used - commands, f"no such mace-bot command: {sorted(used - commands)}"
    assert "data-protection.md" in text
    assert "az bicep build" in text


# ====================================================================== Bicep


@dataclass(frozen=True)
class Token:
    kind: str  # ident, string, number, punct
    text: str
    line: int


class BicepLexer:
    """Bicep tokens: identifiers, numbers, punctuation and strings (a string's text keeps
    its literal parts; the expressions in its ``${...}`` are tokens of their own).
    Comments are dropped. Raises ValueError on an unterminated string or comment."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.i = 0
        self.line = 1
        self.tokens: list[Token] = []

    def run(self) -> list[Token]:
        self._code(interpolation=False)
        return self.tokens

    def _code(self, *, interpolation: bool) -> None:
        src = self.src
        depth = 0
        while self.i < len(src):
            c = src[self.i]
            if c == "\n":
                self.line += 1
                self.i += 1
            elif c in " \t\r":
                self.i += 1
            elif src.startswith("//", self.i):
                end = src.find("\n", self.i)
                self.i = len(src) if end == -1 else end
            elif src.startswith("/*", self.i):
                end = src.find("*/", self.i + 2)
                if end == -1:
                    raise ValueError(f"line {self.line}: unterminated comment")
                self.line += src.count("\n", self.i, end)
                self.i = end + 2
            elif src.startswith("'''", self.i):
                end = src.find("'''", self.i + 3)
                if end == -1:
                    raise ValueError(f"line {self.line}: unterminated multi-line string")
                self.tokens.append(Token("string", src[self.i + 3 : end], self.line))
                self.line += src.count("\n", self.i, end)
                self.i = end + 3
            elif c == "'":
                self._string()
            elif c.isalpha() or c == "_":
                match = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(src, self.i)
                assert match
                self.tokens.append(Token("ident", match.group(), self.line))
                self.i = match.end()
            elif c.isdigit():
                match = re.compile(r"\d+").match(src, self.i)
                assert match
                self.tokens.append(Token("number", match.group(), self.line))
                self.i = match.end()
            else:
                if interpolation and c == "{":
                    depth += 1
                elif interpolation and c == "}":
                    if depth == 0:
                        self.i += 1
                        return
                    depth -= 1
                self.tokens.append(Token("punct", c, self.line))
                self.i += 1
        if interpolation:
            raise ValueError(f"line {self.line}: unterminated ${{...}} in a string")

    def _string(self) -> None:
        src = self.src
        start = self.line
        self.i += 1
        parts: list[str] = []
        while True:
            if self.i >= len(src) or src[self.i] == "\n":
                raise ValueError(f"line {start}: unterminated string")
            c = src[self.i]
            if c == "\\":
                parts.append(src[self.i : self.i + 2])
                self.i += 2
            elif c == "'":
                self.i += 1
                break
            elif src.startswith("${", self.i):
                self.i += 2
                parts.append("${}")
                self._code(interpolation=True)
            else:
                parts.append(c)
                self.i += 1
        self.tokens.append(Token("string", "".join(parts), start))


KEYWORDS = frozenset(
    {
        "param",
        "var",
        "resource",
        "module",
        "output",
        "targetScope",
        "if",
        "for",
        "in",
        "existing",
        "true",
        "false",
        "null",
        "import",
        "type",
        "func",
        "metadata",
        "using",
        "with",
        "as",
        "extension",
        "string",
        "int",
        "bool",
        "object",
        "array",
        "any",
        "az",
        "sys",
    }
)
DECLARATIONS = frozenset({"param", "var", "resource", "module", "output", "type", "func"})
CLOSERS = {"}": "{", "]": "[", ")": "("}


@dataclass
class BicepFile:
    path: Path
    text: str
    tokens: list[Token]

    @property
    def name(self) -> str:
        return str(self.path.relative_to(REPO))

    def declared(self, keyword: str) -> dict[str, int]:
        """Name -> token index of each ``keyword NAME`` declaration."""
        return {
            self.tokens[n + 1].text: n + 1
            for n, t in enumerate(self.tokens[:-1])
            if t.kind == "ident" and t.text == keyword and self._starts_statement(n)
        }

    def _starts_statement(self, n: int) -> bool:
        if n == 0:
            return True
        previous = self.tokens[n - 1]
        # After a decorator's closing bracket, or on a fresh line after a complete value.
        return self.tokens[n].line != previous.line or previous.text == ")"

    def params(self) -> dict[str, bool]:
        """Parameter name -> whether it has a default (``param NAME TYPE = ...``)."""
        found: dict[str, bool] = {}
        for name, n in self.declared("param").items():
            after = self.tokens[n + 2] if n + 2 < len(self.tokens) else None
            found[name] = after is not None and after.text == "="
        return found

    def bracket(self, start: int) -> int:
        """Index of the bracket closing the one at ``start``."""
        depth = 0
        for n in range(start, len(self.tokens)):
            text = self.tokens[n].text
            if self.tokens[n].kind != "punct":
                continue
            if text in "{[(":
                depth += 1
            elif text in "}])":
                depth -= 1
                if depth == 0:
                    return n
        raise AssertionError(f"{self.name}: unclosed bracket at line {self.tokens[start].line}")

    def keys(self, start: int, depth: int = 1) -> list[str]:
        """Keys of the objects ``depth`` brackets inside the bracket at ``start``."""
        end = self.bracket(start)
        level = 0
        keys: list[str] = []
        for n in range(start, end):
            token = self.tokens[n]
            if token.kind == "punct" and token.text in "{[(":
                level += 1
            elif token.kind == "punct" and token.text in "}])":
                level -= 1
            elif (
                level == depth
                and token.kind in {"ident", "string"}
                and self.tokens[n + 1].text == ":"
                and self.tokens[n - 1].text not in {"?", ":"}
            ):
                keys.append(token.text)
        return keys


@cache
def bicep_files() -> tuple[BicepFile, ...]:
    files = sorted(AZURE.rglob("*.bicep"))
    assert MAIN in files
    parsed = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        parsed.append(BicepFile(path, text, BicepLexer(text).run()))
    return tuple(parsed)


def bicep(name: str) -> BicepFile:
    return next(f for f in bicep_files() if f.path == AZURE / name)


def each_file() -> Iterator[BicepFile]:
    yield from bicep_files()


def test_the_lexer_reads_strings_interpolations_and_comments() -> None:
    tokens = BicepLexer("// c\nvar a = '${b}-x\\'y' /* c\n */\nvar m = '''\nraw ${no}\n'''\n").run()
    assert [t.text for t in tokens] == [
        "var",
        "a",
        "=",
        "b",
        "${}-x\\'y",
        "var",
        "m",
        "=",
        "\nraw ${no}\n",
    ]
    assert tokens[-1].line == 4
    with pytest.raises(ValueError):
        BicepLexer("var a = 'open\n").run()
    with pytest.raises(ValueError):
        BicepLexer("var a = '${b'\n").run()


def test_brackets_balance() -> None:
    for file in each_file():
        stack: list[Token] = []
        for token in file.tokens:
            if token.kind != "punct":
                continue
            if token.text in "{[(":
                stack.append(token)
            elif token.text in CLOSERS:
                assert stack, f"{file.name}:{token.line}: {token.text} closes nothing"
                opened = stack.pop()
                assert opened.text == CLOSERS[token.text], (
                    f"{file.name}:{token.line}: {token.text} closes "
                    f"{opened.text} of line {opened.line}"
                )
        assert not stack, f"{file.name}:{stack[-1].line}: {stack[-1].text} is never closed"


def _references(file: BicepFile) -> Iterator[Token]:
    """Identifier tokens that refer to a declared symbol (not keys, properties, functions,
    decorators, types or the names being declared)."""
    tokens = file.tokens
    for n, token in enumerate(tokens):
        if token.kind != "ident" or token.text in KEYWORDS:
            continue
        before = tokens[n - 1] if n else None
        after = tokens[n + 1] if n + 1 < len(tokens) else None
        if before is not None and before.text in {".", "@"}:
            continue  # property access, decorator
        if before is not None and before.text in DECLARATIONS and before.kind == "ident":
            continue  # the name being declared
        if after is not None and after.text == "(":
            continue  # function call
        if (
            after is not None
            and after.text == ":"
            and (before is None or before.text not in {"?", "in"})
        ):
            continue  # object key (not `for x in NAME:`, not `a ? NAME : b`)
        yield token


def _locals(file: BicepFile) -> set[str]:
    """Loop variables (``for x in``, ``for (x, i) in``) and lambda parameters."""
    names: set[str] = set()
    tokens = file.tokens
    for n, token in enumerate(tokens[:-2]):
        if token.text == "for":
            m = n + 1
            while m < len(tokens) and tokens[m].text != "in":
                if tokens[m].kind == "ident":
                    names.add(tokens[m].text)
                m += 1
        if token.kind == "ident" and tokens[n + 1].text == "=" and tokens[n + 2].text == ">":
            names.add(token.text)
    return names


def test_every_name_used_is_declared() -> None:
    for file in each_file():
        declared = {name for keyword in DECLARATIONS for name in file.declared(keyword)} | _locals(
            file
        )
        undeclared = sorted(
            {f"{t.text} (line {t.line})" for t in _references(file) if t.text not in declared}
        )
        assert not undeclared, f"{file.name}: not declared: {', '.join(undeclared)}"


def test_every_declared_parameter_and_variable_is_used() -> None:
    for file in each_file():
        used = {t.text for t in _references(file)}
        unused = sorted(
            name
            for keyword in ("param", "var")
            for name in file.declared(keyword)
            if name not in used
        )
        assert not unused, f"{file.name}: declared but never used: {', '.join(unused)}"


def test_module_calls_match_the_modules_parameters() -> None:
    calls = 0
    for file in each_file():
        for name, n in file.declared("module").items():
            path_token = file.tokens[n + 1]
            assert path_token.kind == "string", f"{file.name}: module {name} needs a path"
            module = bicep(str((file.path.parent / path_token.text).relative_to(AZURE)))
            params_at = next(
                m
                for m in range(n, len(file.tokens) - 2)
                if file.tokens[m].text == "params" and file.tokens[m + 1].text == ":"
            )
            passed = set(file.keys(params_at + 2))
            declared = module.params()
            unknown = passed - declared.keys()
            required = {p for p, has_default in declared.items() if not has_default}
            assert not unknown, f"{file.name}: module {name} has no parameter {sorted(unknown)}"
            assert required <= passed, (
                f"{file.name}: module {name} needs {sorted(required - passed)}"
            )
            calls += 1
    assert calls >= 5


API_VERSION = re.compile(r"[A-Za-z0-9.]+/[A-Za-z0-9./]+@\d{4}-\d{2}-\d{2}(-preview)?")


def test_every_resource_names_its_api_version() -> None:
    count = 0
    for file in each_file():
        for name, n in file.declared("resource").items():
            kind = file.tokens[n + 1]
            assert kind.kind == "string" and API_VERSION.fullmatch(kind.text), (
                f"{file.name}:{kind.line}: resource {name} needs 'Type@yyyy-mm-dd'"
            )
            count += 1
    assert count >= 20


SECRET_NAME = re.compile(r"(password|secret|key|keys|token|connectionstring)$", re.I)
SECRET_ENV = frozenset(
    {
        "APP_PASSWORD",
        "DATABASE_URL",
        "MACE_DATA_KEYS",
        "PGPASSWORD",
        "MACE_APP_DB_PASSWORD",
    }
)
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def _decorators(file: BicepFile, index: int) -> list[str]:
    """Decorator names written before the declaration whose name is at ``index``."""
    names: list[str] = []
    n = index - 2  # the token before the keyword
    while n >= 1:
        if file.tokens[n].text == ")":
            depth = 0
            while n >= 0:
                depth += {")": 1, "(": -1}.get(file.tokens[n].text, 0)
                if depth == 0:
                    break
                n -= 1
            n -= 1
        if n >= 1 and file.tokens[n - 1].text == "@":
            names.append(file.tokens[n].text)
            n -= 2
        else:
            break
    return names


def test_secret_parameters_are_secure_and_have_no_default() -> None:
    seen = 0
    for file in each_file():
        params = file.params()
        for name, n in file.declared("param").items():
            if SECRET_NAME.search(name):
                seen += 1
                assert "secure" in _decorators(file, n), f"{file.name}: {name} needs @secure()"
                assert not params[name], f"{file.name}: {name} must have no default"
    assert seen >= 2


def test_no_secret_is_written_into_a_template() -> None:
    for file in each_file():
        tokens = file.tokens
        for n, token in enumerate(tokens):
            if token.kind == "string" and "${}" not in token.text:
                text = token.text
                looks_random = re.fullmatch(r"[A-Za-z0-9+/=_-]{32,}", text) and not GUID.fullmatch(
                    text
                )
                assert not looks_random, f"{file.name}:{token.line}: a key-like literal"
                assert not re.search(r"://[^/\s:@]+:[^@\s]+@", text), (
                    f"{file.name}:{token.line}: credentials in a URL"
                )
            if (
                token.kind == "ident"
                and re.search(r"password$|sharedkey$|accountkey$|secret$", token.text, re.I)
                and n + 2 < len(tokens)
                and tokens[n + 1].text == ":"
            ):
                assert tokens[n + 2].kind != "string", (
                    f"{file.name}:{token.line}: {token.text} is a literal"
                )


def test_secret_settings_come_from_key_vault_references() -> None:
    app = bicep("modules/app.bicep")
    env_entries = re.findall(r"name: '([A-Z][A-Z0-9_]*)'\s*\n\s*(value|secretRef):", app.text)
    assert env_entries
    for name, how in env_entries:
        if name in SECRET_ENV:
            assert how == "secretRef", f"{name} must be a secretRef, never a value"
    # Container Apps secrets: Key Vault references with the managed identity, no values.
    secret_arrays = [
        n for n, t in enumerate(app.tokens) if t.text == "secrets" and app.tokens[n + 1].text == ":"
    ]
    assert secret_arrays
    for n in secret_arrays:
        value = app.tokens[n + 2]
        if value.kind == "ident":
            at = app.declared("var")[value.text] + 2
            assert app.tokens[at].text == "["
        else:
            at = n + 2
        keys = app.keys(at, depth=2)
        assert set(keys) == {"name", "keyVaultUrl", "identity"}, keys


def test_outputs_carry_no_secrets() -> None:
    for file in each_file():
        secure = {
            name for name, n in file.declared("param").items() if "secure" in _decorators(file, n)
        }
        outputs = file.declared("output")
        for name, n in outputs.items():
            line = file.tokens[n].line
            statement = [t.text for t in file.tokens if t.line == line]
            assert not any(re.match(r"list\w*$", t) for t in statement), f"output {name}"
            assert not secure & set(statement), f"{file.name}: output {name} shows a secret"


def test_the_example_parameters_file_matches_main_and_holds_no_secret() -> None:
    example = json.loads(PARAMETERS_EXAMPLE.read_text(encoding="utf-8"))
    given = example["parameters"]
    main = bicep("main.bicep")
    declared = main.params()
    secure = {n for n, i in main.declared("param").items() if "secure" in _decorators(main, i)}
    assert not given.keys() - declared.keys(), sorted(given.keys() - declared.keys())
    assert not given.keys() & secure, "secure parameters never go in a parameters file"
    required = {p for p, has_default in declared.items() if not has_default} - secure
    assert required <= given.keys(), sorted(required - given.keys())


# The deployment is secure by default: these settings must stay.
POLICY = [
    ("main.bicep", r"param location string = 'uksouth'", "UK South by default"),
    ("main.bicep", r"@minValue\(2\)\nparam minReplicas int = 2", "two replicas at least"),
    ("main.bicep", r"endpoint: 'https://\$\{publicHostName\}/api/messages'", "messaging endpoint"),
    ("modules/bot.bicep", r"msaAppType: 'SingleTenant'", "single-tenant bot"),
    ("modules/bot.bicep", r"msaAppTenantId: tenantId", "the bot's tenant"),
    ("modules/bot.bicep", r"msaAppId: appId", "the bot's app id"),
    (
        "modules/bot.bicep",
        r"channelName: 'MsTeamsChannel'\s+properties: \{\s+isEnabled: true",
        "Teams",
    ),
    ("modules/app.bicep", r"allowInsecure: false", "HTTPS only"),
    ("modules/app.bicep", r"external: false\s+targetPort: metricsPort", "metrics internal"),
    ("modules/app.bicep", r"var metricsPort = 9464", "metrics port"),
    ("modules/app.bicep", r"type: 'Liveness'\s+httpGet: \{\s+path: '/healthz'", "liveness"),
    ("modules/app.bicep", r"type: 'Readiness'\s+httpGet: \{\s+path: '/readyz'", "readiness"),
    ("modules/app.bicep", r"minReplicas: minReplicas", "replicas"),
    ("modules/app.bicep", r"scope: app\b", "app diagnostics"),
    ("modules/environment.bicep", r"destination: 'log-analytics'", "container logs"),
    ("modules/keyvault.bicep", r"enableRbacAuthorization: true", "Key Vault RBAC"),
    ("modules/keyvault.bicep", r"enableSoftDelete: true", "soft delete"),
    ("modules/keyvault.bicep", r"enablePurgeProtection: true", "purge protection"),
    ("modules/keyvault.bicep", r"defaultAction: 'Deny'", "Key Vault firewall"),
    ("modules/keyvault.bicep", r"4633458b-17de-408a-b874-0445c86b69e6", "Key Vault Secrets User"),
    ("modules/postgres.bicep", r"publicNetworkAccess: 'Disabled'", "no public PostgreSQL"),
    (
        "modules/postgres.bicep",
        r"name: 'require_secure_transport'\s+properties: \{\s+value: 'on'",
        "TLS",
    ),
    ("modules/postgres.bicep", r"geoRedundantBackup: geoRedundantBackup \?", "geo backups option"),
    ("modules/postgres.bicep", r"mode: highAvailability", "HA option"),
    ("modules/postgres.bicep", r"scope: server\b", "database diagnostics"),
    ("modules/registry.bicep", r"adminUserEnabled: false", "no registry admin user"),
]


@pytest.mark.parametrize(("file", "pattern", "why"), POLICY, ids=[p[2] for p in POLICY])
def test_secure_by_default(file: str, pattern: str, why: str) -> None:
    assert re.search(pattern, bicep(file).text), f"{file}: {why} ({pattern})"


#: Variables the app's containers get that the bot does not read itself.
READ_BY_OTHERS = {
    # libpq (psql, pg_dump) and asyncpg
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGHOST",
    "PGDATABASE",
    "PGUSER",
    "PGPASSWORD",
    # infra/azure/db-setup.sh
    "MACE_APP_ROLE",
    "MACE_APP_DB_PASSWORD",
}


def test_the_app_gets_real_settings_and_everything_production_needs() -> None:
    app = bicep("modules/app.bicep")
    names = set(re.findall(r"name: '([A-Z][A-Z0-9_]*)'\s*\n\s*(?:value|secretRef):", app.text))
    unknown = names - settings_read_by_code() - READ_BY_OTHERS
    assert not unknown, f"infra/azure sets variables nothing reads: {sorted(unknown)}"
    setup = (AZURE / "db-setup.sh").read_text(encoding="utf-8")
    assert all(name in setup for name in ("MACE_APP_ROLE", "MACE_APP_DB_PASSWORD"))
    needed = {
        "APP_ID",
        "APP_PASSWORD",
        "APP_TENANTID",
        "APP_TYPE",
        "DATABASE_URL",
        "MACE_DATA_KEYS",
        "PUBLIC_BASE_URL",
    }
    assert needed <= names, sorted(needed - names)
