"""The Dockerfile and .dockerignore, read as text: no Docker needed (a build is too slow
for ``make test``; docs/deploy.md says how to build and check the image by hand).

What must hold for an image that carries records about children: a final stage that runs
as a fixed non-root uid, without compilers, with the code installed from wheels only, a
health check, ``mace-bot`` as the entry point, and a build context that never takes the
local store, keys or virtualenv along.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"

#: Packages that would put a compiler or build headers into an image.
COMPILER_PACKAGES = re.compile(
    r"^(build-essential|gcc(-\d+)?|g\+\+(-\d+)?|cpp(-\d+)?|clang(-\d+)?|llvm.*|make|cmake|"
    r"autoconf|automake|libtool|pkg-config|rustc|cargo|golang.*|libc6?-dev|.*-dev)$"
)


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None


def parse_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages, with continuation lines joined and comments
    (and parser directives) dropped."""
    logical: list[tuple[int, str]] = []
    buffer = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        logical.append((start, buffer + stripped))
        buffer = ""
    assert not buffer, "the Dockerfile ends inside a continued line"

    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for number, line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        args = args.strip()
        if keyword == "FROM":
            words = args.split()
            words = [w for w in words if not w.startswith("--platform")]
            base = words[0]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=base, name=name))
        elif not stages:
            assert keyword == "ARG", f"line {number}: only ARG may come before the first FROM"
            arg_name, _, default = args.partition("=")
            global_args[arg_name.strip()] = default.strip().strip('"')
        else:
            stages[-1].instructions.append(Instruction(keyword, args, number))
    return global_args, stages


def resolve(value: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), value)


def exec_form(instruction: Instruction) -> list[str]:
    """An instruction's arguments as a list: JSON (exec) form, or the words of shell form."""
    if instruction.args.startswith("["):
        value = json.loads(instruction.args)
        assert isinstance(value, list)
        return [str(v) for v in value]
    return shlex.split(instruction.args)


def apt_installed(run: str) -> list[str]:
    """Package names after each ``apt-get install`` / ``apt install`` in a RUN line."""
    packages: list[str] = []
    for command in re.split(r"&&|;|\|\|", run):
        words = shlex.split(command)
        for index, word in enumerate(words[:-1]):
            if word in {"apt-get", "apt", "aptitude"} and "install" in words[index + 1 :]:
                after = words[words.index("install", index) + 1 :]
                packages += [w for w in after if not w.startswith("-")]
                break
    return packages


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return parse_dockerfile(DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def final(dockerfile: tuple[dict[str, str], list[Stage]]) -> Stage:
    return dockerfile[1][-1]


def test_the_parser_reads_continuations_comments_and_stages() -> None:
    args, stages = parse_dockerfile(
        "# syntax comment\nARG BASE=python:3.11-slim\nFROM ${BASE} AS one\n"
        "RUN apt-get update \\\n    # why\n    && apt-get install -y --no-install-recommends"
        " gcc libpq-dev \\\n    && true\nFROM ${BASE}\nUSER 10001\n"
    )
    assert args == {"BASE": "python:3.11-slim"}
    assert [s.name for s in stages] == ["one", None]
    assert apt_installed(stages[0].instructions[0].args) == ["gcc", "libpq-dev"]
    assert stages[1].last("USER") is not None


def test_it_is_multi_stage_on_python_3_11_slim(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    args, stages = dockerfile
    assert len(stages) >= 2, "a builder stage and a runtime stage"
    for stage in stages:
        assert re.fullmatch(r"python:3\.11-slim(-\w+)?", resolve(stage.base, args)), stage.base


def test_the_final_stage_runs_as_a_fixed_non_root_uid(final: Stage) -> None:
    user = final.last("USER")
    assert user is not None, "the final stage must set USER"
    uid, _, gid = user.args.partition(":")
    assert uid.isdigit(), f"USER {user.args}: give a numeric uid so Kubernetes can check it"
    assert int(uid) != 0, "USER must not be root"
    assert not gid or (gid.isdigit() and int(gid) != 0), "the group must not be root"
    # Nothing after USER switches back to root.
    after = final.instructions[final.instructions.index(user) :]
    assert all(i.keyword != "USER" or i is user for i in after)
    # The user is created with that very uid.
    creates = " ".join(i.args for i in final.all("RUN"))
    assert re.search(rf"useradd\b[^&;]*--uid {uid}\b", creates), "create the user with that uid"


def test_the_builder_builds_the_pages_scripts_before_the_wheel(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    """The scripts are not in git (bot/web/static/dist): without this step a deployed
    bot would serve pages whose map and tab sign-in have no script."""
    builder = dockerfile[1][0]
    runs = [instruction.args for instruction in builder.all("RUN")]
    build = next(i for i, run in enumerate(runs) if "node bot/web/assets/build.mjs" in run)
    wheel = next(i for i, run in enumerate(runs) if "pip wheel" in run)
    assert "npm ci --prefix bot/web/assets" in runs[build]
    assert build < wheel


def test_the_final_stage_installs_no_compilers(final: Stage) -> None:
    for run in final.all("RUN"):
        bad = [p for p in apt_installed(run.args) if COMPILER_PACKAGES.match(p.split("=")[0])]
        assert not bad, f"line {run.line}: {bad} must stay in the builder stage"
        assert not re.search(r"\bpip3?\b.*\binstall\b", run.args) or "--no-index" in run.args, (
            f"line {run.line}: the runtime installs nothing from an index"
        )


def test_the_code_reaches_the_runtime_only_as_installed_wheels(
    dockerfile: tuple[dict[str, str], list[Stage]], final: Stage
) -> None:
    _, stages = dockerfile
    builder = stages[0]
    runs = " ".join(i.args for i in builder.all("RUN"))
    assert "pip wheel" in runs, "the builder builds wheels"
    assert "--no-index" in runs, "and installs from those wheels only"
    copies = [exec_form(c) for c in final.all("COPY")]
    from_builder = [c for c in copies if any(w.startswith("--from=") for w in c)]
    assert from_builder, "the runtime takes the installed code from the builder"
    for copy in copies:
        sources = [w for w in copy[:-1] if not w.startswith("--")]
        for source in sources:
            assert source.split("/")[0] not in {"bot", "dialogs", "cards", "."}, (
                f"COPY {source}: the source tree stays out of the runtime image"
            )


def test_every_copied_file_is_in_the_repository(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    _, stages = dockerfile
    for stage in stages:
        for copy in stage.all("COPY"):
            words = exec_form(copy)
            if any(w.startswith("--from=") for w in words):
                continue
            for source in words[:-1]:
                assert (REPO / source).exists(), f"line {copy.line}: {source} is missing"
                assert not ignored(source), f"line {copy.line}: .dockerignore drops {source}"


def test_health_check_entry_point_ports_and_data_folder(final: Stage) -> None:
    health = final.last("HEALTHCHECK")
    assert health is not None, "HEALTHCHECK is required"
    assert "/healthz" in health.args
    entrypoint = final.last("ENTRYPOINT")
    assert entrypoint is not None
    assert [Path(exec_form(entrypoint)[0]).name] == ["mace-bot"]
    assert len(exec_form(entrypoint)) == 1
    cmd = final.last("CMD")
    assert cmd is not None
    assert exec_form(cmd) == ["serve", "--host", "0.0.0.0"]
    exposed = {p.split("/")[0] for e in final.all("EXPOSE") for p in e.args.split()}
    assert {"3978", "9464"} <= exposed
    env = " ".join(i.args for i in final.all("ENV"))
    match = re.search(r"MACE_DATA_DIR=(\S+)", env)
    assert match, "MACE_DATA_DIR must point at the volume"
    data_dir = match.group(1)
    volumes = [v for i in final.all("VOLUME") for v in exec_form(i)]
    assert data_dir in volumes
    user = final.last("USER")
    assert user is not None
    uid = user.args.split(":")[0]
    runs = " ".join(i.args for i in final.all("RUN"))
    assert re.search(
        rf"(install -d[^&;]*-o {uid}\b[^&;]*{re.escape(data_dir)}\b)", runs
    ) or re.search(rf"chown[^&;]*{uid}[^&;]*{re.escape(data_dir)}", runs), (
        "the data folder must be owned by the image's user"
    )


# ------------------------------------------------------------------ .dockerignore


def _ignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    patterns: list[tuple[bool, re.Pattern[str]]] = []
    for raw in DOCKERIGNORE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        line = line.lstrip("!").strip("/")
        regex = ""
        i = 0
        while i < len(line):
            if line.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif line.startswith("**", i):
                regex += ".*"
                i += 2
            elif line[i] == "*":
                regex += "[^/]*"
                i += 1
            elif line[i] == "?":
                regex += "[^/]"
                i += 1
            else:
                regex += re.escape(line[i])
                i += 1
        patterns.append((negate, re.compile(regex)))
    return patterns


def ignored(path: str) -> bool:
    """Whether Docker leaves ``path`` (relative to the repository) out of the context:
    a pattern matching the path or any folder above it excludes it; the last match wins."""
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    result = False
    for negate, pattern in _ignore_patterns():
        if any(pattern.fullmatch(c) for c in candidates):
            result = not negate
    return result


@pytest.mark.parametrize(
    "path",
    [
        ".git/config",
        ".venv/bin/python",
        "data/mace.db",
        "data/data.keys",
        "data/link.key",
        ".pytest_cache/v/cache",
        ".mypy_cache/3.11/x.json",
        ".ruff_cache/content",
        ".hypothesis/examples/x",
        "node_modules/x/index.js",
        "infra/teams/node_modules/@microsoft/app-manifest/package.json",
        "build/mace-bot-teams.zip",
        "bot/__pycache__/app.cpython-311.pyc",
        "infra/azure/main.parameters.json",
        "tests/conftest.py",
    ],
)
def test_the_build_context_leaves_out(path: str) -> None:
    assert ignored(path), f"{path} must not be sent to the Docker daemon"


@pytest.mark.parametrize(
    "path",
    ["pyproject.toml", "README.md", "bot/app.py", "bot/demo/demo_data.json", "dialogs", "cards"],
)
def test_the_build_context_keeps(path: str) -> None:
    assert not ignored(path)
