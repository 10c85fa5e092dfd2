"""Re-runnable codemod for issue 18's typed contracts (run after each merge; idempotent).

* error codes: ``code="..."`` given to ``ApplicationError``/``ConflictError``/their
  subclasses' ``super().__init__`` becomes a member of the file's app enum in
  ``<app>/error_codes.py`` (a member of another app's enum is moved to the file's own app).
* audit verbs: ``verb="..."`` keyword strings become ``AuditVerb`` members (core/audit_verbs.py).
* not found: ``ApplicationError("...", code="not_found")`` and ``Http404(...)`` become ``NotFound(...)``.
* locks: ``X.select_for_update(...)`` becomes ``lock_rows(X, ...)`` (core/locking.py), which
  always locks only the query's own rows.

Then ``ruff check --fix --select I,F401`` and ``ruff format`` on the touched files.
Usage: ``.venv/bin/python scripts/contracts_codemod.py``
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {"tests", "scripts", "migrations", "node_modules", "static", "templates", "docs", "deploy", ".venv", ".git"}
ENUM_NAMES = {
    "accounts": "AccountError",
    "core": "CoreError",
    "groupings": "GroupingError",
    "pooling": "PoolingError",
    "exceptional_resource": "CaseError",
    "partnerships": "PartnershipError",
    "reports": "ReportError",
    "notifications": "NotificationError",
    "assurance": "AssuranceError",
    "devtools": "DevtoolsError",
    "config": "ConfigError",
}
ERROR_CALLS = {"ApplicationError", "ConflictError", "InsufficientHeadroom"}
VERBS_FILE = ROOT / "core" / "audit_verbs.py"


def errors_module() -> str:
    return "core.errors"


def app_files() -> list[Path]:
    out = []
    for app in sorted(p for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        if app.name in SKIP:
            continue
        for path in sorted(app.rglob("*.py")):
            if any(part in SKIP for part in path.relative_to(ROOT).parts):
                continue
            out.append(path)
    return out


def read_enum(path: Path, cls: str) -> dict[str, str]:
    if not path.exists():
        return {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ClassDef) and node.name == cls:
            return {
                stmt.targets[0].id: str(stmt.value.value)
                for stmt in node.body
                if isinstance(stmt, ast.Assign)
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Constant)
            }
    return {}


def write_enum(path: Path, cls: str, base: str, base_module: str, doc: str, members: dict[str, str]) -> None:
    lines = [
        f'"""{doc}"""',
        "",
        "from __future__ import annotations",
        "",
    ]
    if base == "StrEnum":
        lines.append("from enum import StrEnum")
    else:
        lines.append(f"from {base_module} import {base}")
    lines += ["", "", f"class {cls}({base}):"]
    lines += [f'    {name} = "{value}"' for name, value in sorted(members.items(), key=lambda kv: kv[1])]
    path.parent.mkdir(exist_ok=True)
    if not (path.parent / "__init__.py").exists():
        (path.parent / "__init__.py").write_text("")
    path.write_text("\n".join(lines) + "\n")


def member_name(value: str) -> str:
    name = re.sub(r"[^0-9a-zA-Z]+", "_", value).strip("_").upper()
    return name if not name[0].isdigit() else "_" + name


def call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def is_super_init(call: ast.Call) -> bool:
    f = call.func
    return (
        isinstance(f, ast.Attribute)
        and f.attr == "__init__"
        and isinstance(f.value, ast.Call)
        and call_name(f.value.func) == "super"
    )


class Edits:
    def __init__(self, source: str) -> None:
        self.source = source
        self.offsets = [0]
        for line in source.splitlines(keepends=True):
            self.offsets.append(self.offsets[-1] + len(line))
        self.edits: list[tuple[int, int, str]] = []

    def pos(self, line: int, col: int) -> int:
        text = self.source[self.offsets[line - 1] : self.offsets[line]]
        return self.offsets[line - 1] + len(text.encode()[:col].decode())

    def replace(self, node: ast.AST, text: str) -> None:
        start = self.pos(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.pos(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        self.edits.append((start, end, text))

    def segment(self, node: ast.AST) -> str:
        start = self.pos(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.pos(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return self.source[start:end]

    def apply(self) -> str:
        out = self.source
        taken: list[tuple[int, int]] = []
        for start, end, text in sorted(self.edits, key=lambda e: e[0], reverse=True):
            if any(start < e and s < end for s, e in taken):
                continue  # nested edit: the next run picks it up
            out = out[:start] + text + out[end:]
            taken.append((start, end))
        return out


def add_import(source: str, line: str) -> str:
    if line in source:
        return source
    tree = ast.parse(source)
    last = 0
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and last == 0:
            last = node.end_lineno or 0
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            last = node.end_lineno or 0
            continue
        break
    lines = source.splitlines(keepends=True)
    lines.insert(last, line + "\n")
    return "".join(lines)


def main() -> int:
    files = app_files()
    app_enums: dict[str, dict[str, str]] = {}
    for app, cls in ENUM_NAMES.items():
        app_enums[app] = read_enum(ROOT / app / "error_codes.py", cls)
    enum_to_app = {cls: app for app, cls in ENUM_NAMES.items()}
    verbs = read_enum(VERBS_FILE, "AuditVerb")
    used_codes: dict[str, set[str]] = {app: set() for app in ENUM_NAMES}
    used_verbs: set[str] = set()
    touched: list[Path] = []
    emod = errors_module()

    for path in files:
        app = path.relative_to(ROOT).parts[0]
        if app not in ENUM_NAMES or path.name in {"error_codes.py", "audit_verbs.py"}:
            continue
        source = path.read_text()
        tree = ast.parse(source)
        ed = Edits(source)
        imports: set[str] = set()
        own = ENUM_NAMES[app]
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = call_name(node.func)
            code_kw = next((k for k in node.keywords if k.arg == "code"), None)
            # not found -> NotFound
            if (
                name in {"ApplicationError"}
                and code_kw is not None
                and isinstance(code_kw.value, ast.Constant)
                and code_kw.value.value == "not_found"
            ):
                args = [ed.segment(a) for a in node.args]
                args += [f"{k.arg}={ed.segment(k.value)}" for k in node.keywords if k.arg not in {"code"}]
                ed.replace(node, f"NotFound({', '.join(args)})")
                imports.add(f"from {emod} import NotFound")
                continue
            if name == "Http404" and path.name not in {"api.py"} and "errors" not in path.name:
                ed.replace(node.func, "NotFound")
                imports.add(f"from {emod} import NotFound")
            # error codes
            if code_kw is not None and (name in ERROR_CALLS or is_super_init(node)):
                value: str | None = None
                v = code_kw.value
                if isinstance(v, ast.Constant) and isinstance(v.value, str):
                    value = v.value
                elif (
                    isinstance(v, ast.Attribute)
                    and isinstance(v.value, ast.Name)
                    and v.value.id in enum_to_app
                    and v.value.id != own
                ):
                    value = app_enums[enum_to_app[v.value.id]].get(v.attr)
                elif isinstance(v, ast.Attribute) and isinstance(v.value, ast.Name) and v.value.id == own:
                    used_codes[app].add(v.attr)
                if value is not None:
                    member = member_name(value)
                    app_enums[app][member] = value
                    used_codes[app].add(member)
                    ed.replace(v, f"{own}.{member}")
                    imports.add(f"from {app}.error_codes import {own}")
            # audit verbs
            for kw in node.keywords:
                if (
                    kw.arg == "verb"
                    and isinstance(kw.value, ast.Constant)
                    and isinstance(kw.value.value, str)
                    and "." in kw.value.value  # audit verbs are "<object>.<event>"; a CaseEvent's are not
                ):
                    member = member_name(kw.value.value)
                    verbs[member] = kw.value.value
                    used_verbs.add(member)
                    ed.replace(kw.value, f"AuditVerb.{member}")
                    imports.add("from core.audit_verbs import AuditVerb")
            # locks
            is_lock = isinstance(node.func, ast.Attribute) and node.func.attr == "select_for_update"
            if is_lock and path.name != "locking.py":
                receiver = ed.segment(node.func.value)  # type: ignore[attr-defined]
                kws = [
                    f"{k.arg}={ed.segment(k.value)}"
                    for k in node.keywords
                    if not (k.arg == "of" and ed.segment(k.value).replace("'", '"') in {'("self",)', "('self',)"})
                ]
                ed.replace(node, f"lock_rows({', '.join([receiver, *kws])})")
                imports.add("from core.locking import lock_rows")
        # also count enum members referenced anywhere in the file (tests of the enum, helpers)
        for cls_app, cls in ENUM_NAMES.items():
            used_codes[cls_app].update(re.findall(rf"\b{cls}\.([A-Z0-9_]+)", source))
        used_verbs.update(re.findall(r"\bAuditVerb\.([A-Z0-9_]+)", source))
        if ed.edits:
            new = ed.apply()
            for line in sorted(imports):
                new = add_import(new, line)
            if new != source:
                path.write_text(new)
                touched.append(path)

    for app, cls in ENUM_NAMES.items():
        members = {m: v for m, v in app_enums[app].items() if m in used_codes[app]}
        path = ROOT / app / "error_codes.py"
        if members:
            write_enum(
                path,
                cls,
                "ErrorCode",
                emod,
                f"Stable error codes of ``{app}``: the ``code`` API clients see (values never change).",
                members,
            )
            touched.append(path)
        elif path.exists():
            path.unlink()
    write_enum(
        VERBS_FILE,
        "AuditVerb",
        "StrEnum",
        "",
        "Every audit verb, as stored in ``AuditEvent.verb`` (values never change: the chain hashes them).",
        {m: v for m, v in verbs.items() if m in used_verbs},
    )
    touched.append(VERBS_FILE)
    locking = ROOT / "core" / "locking.py"
    assert locking.exists(), "core/locking.py is hand-written; restore it"
    names = [str(p) for p in touched if p.exists()]
    if names:
        ruff = str(ROOT / ".venv" / "bin" / "ruff")
        subprocess.run([ruff, "check", "--fix", "--select", "I,F401", "-q", *names], check=False)
        subprocess.run([ruff, "format", "-q", *names], check=False)
    print(f"touched {len(set(names))} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
