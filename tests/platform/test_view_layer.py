"""Views and API views only parse, call a service or selector, and render (issue 18).

Reads the syntax tree of every view and API module and fails if one records an audit event
or writes through the ORM: ``audit_record(...)``, or ``create``/``update``/``delete``/
``get_or_create``/``update_or_create``/``bulk_*`` called on a model manager, a queryset
built from one, a related manager (``case.documents.create(...)``) or a name bound to any of
those in the same function. Writes belong in services, which audit in the same transaction.

It also fails on a read through a model manager, ``<Model>.objects.<anything>`` (or
``_default_manager``, ``_base_manager``, ``all_objects``): reads belong in a named selector
that takes ``tenant=``, which the view calls.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings

WRITE_METHODS = frozenset(
    {"create", "update", "delete", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}
)
# Methods that return a queryset, so a chain through one of them is still the ORM.
QUERYSET_METHODS = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "select_related",
        "prefetch_related",
        "order_by",
        "annotate",
        "alias",
        "distinct",
        "only",
        "defer",
        "using",
        "select_for_update",
        "none",
        "values",
        "values_list",
        "for_tenant",
    }
)
MANAGER_NAMES = frozenset({"objects", "_default_manager", "_base_manager", "all_objects"})
VIEW_MODULE_NAMES = frozenset({"views.py", "apis.py", "api.py"})
VIEW_PACKAGE_NAMES = frozenset({"views", "apis"})
SKIPPED_DIRS = frozenset({"tests", "migrations", "node_modules", "static", "templates", "docs", "deploy", "scripts"})

# Explicit exceptions: (path relative to the project root, line). None are needed today.
ALLOWED: frozenset[tuple[str, int]] = frozenset()


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def related_manager_names() -> frozenset[str]:
    """Every attribute name that holds a related manager on some model (``case.documents``)."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields(include_hidden=False):
            if not field.is_relation or not (field.one_to_many or field.many_to_many):
                continue
            name = field.get_accessor_name() if field.auto_created else field.name  # type: ignore[union-attr]
            if name:
                names.add(name)
    return frozenset(names)


def view_modules(root: Path) -> Iterator[Path]:
    """views/, apis/, views.py, apis.py, api.py (and ``apis_*``/``views_*`` siblings) in every app."""
    packages = (p for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    for app_dir in sorted(p for p in packages if p.name not in SKIPPED_DIRS):
        for path in sorted(app_dir.rglob("*.py")):
            relative = path.relative_to(app_dir)
            if any(part in SKIPPED_DIRS or part.startswith(".") for part in relative.parts):
                continue
            name = path.name
            in_package = any(part in VIEW_PACKAGE_NAMES for part in relative.parts[:-1])
            if in_package or name in VIEW_MODULE_NAMES or name.startswith(("views_", "apis_")):
                yield path


class _WriteFinder(ast.NodeVisitor):
    def __init__(self, related: frozenset[str]) -> None:
        self.related = related
        self.orm_names: list[set[str]] = [set()]
        self.found: list[tuple[int, str]] = []

    # A name bound to an ORM expression in a function is a queryset for the rest of it.
    def _scoped(self, node: ast.AST) -> None:
        self.orm_names.append(set())
        self.generic_visit(node)
        self.orm_names.pop()

    visit_FunctionDef = _scoped
    visit_AsyncFunctionDef = _scoped

    def visit_Assign(self, node: ast.Assign) -> None:
        if self._is_orm(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.orm_names[-1].add(target.id)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None and self._is_orm(node.value) and isinstance(node.target, ast.Name):
            self.orm_names[-1].add(node.target.id)
        self.generic_visit(node)

    def _is_orm(self, node: ast.AST) -> bool:
        """True when ``node`` is a manager, a queryset chain from one, or a related manager."""
        while True:
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr in QUERYSET_METHODS:
                    node = func.value
                    continue
                return False
            if isinstance(node, ast.Attribute):
                return node.attr in MANAGER_NAMES or node.attr in self.related or node.attr.endswith("_set")
            if isinstance(node, ast.Name):
                return any(node.id in scope for scope in self.orm_names)
            return False

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (isinstance(func, ast.Name) and func.id == "audit_record") or (
            isinstance(func, ast.Attribute) and func.attr == "audit_record"
        ):
            self.found.append((node.lineno, "calls audit_record (audit in the service that writes)"))
        elif isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS and self._is_orm(func.value):
            self.found.append((node.lineno, f"writes through the ORM with .{func.attr}() (call a service)"))
        self.generic_visit(node)


class _ManagerReadFinder(ast.NodeVisitor):
    """``<anything>.objects.<method or attribute>`` other than a write (the write finder's)."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []

    def visit_Attribute(self, node: ast.Attribute) -> None:
        value = node.value
        if isinstance(value, ast.Attribute) and value.attr in MANAGER_NAMES and node.attr not in WRITE_METHODS:
            self.found.append((node.lineno, f"reads through the ORM with .{value.attr}.{node.attr} (call a selector)"))
        self.generic_visit(node)


def violations(root: Path) -> list[Violation]:
    related = related_manager_names()
    found: list[Violation] = []
    for path in view_modules(root):
        tree = ast.parse(path.read_text(), filename=str(path))
        finder = _WriteFinder(related)
        finder.visit(tree)
        reads = _ManagerReadFinder()
        reads.visit(tree)
        relative = str(path.relative_to(root))
        found.extend(
            Violation(relative, line, what)
            for line, what in sorted(finder.found + reads.found)
            if (relative, line) not in ALLOWED
        )
    return found


def _check(source: str) -> list[tuple[int, str]]:
    finder = _WriteFinder(related_manager_names())
    finder.visit(ast.parse(source))
    return finder.found


def test_no_view_or_api_module_queries_writes_through_the_orm_or_audits() -> None:
    root = Path(settings.BASE_DIR)
    assert list(view_modules(root)), "found no view modules: the walk is broken"
    found = violations(root)
    assert found == [], "views and API views must call a service or a selector:\n" + "\n".join(map(str, found))


def test_the_finder_sees_each_kind_of_write() -> None:
    source = """
def post(self, request):
    Case.objects.create(a=1)
    Case.objects.filter(pk=1).update(status="x")
    Case.objects.select_related("pupil").filter(pk=1).delete()
    Case.objects.bulk_create([])
    Case._default_manager.get_or_create(a=1)
    case.documents.create(a=1)
    case.comment_set.update_or_create(a=1)
    qs = Pupil.objects.filter(responsible_body=body)
    qs.update(a=1)
    audit_record(actor=None, tenant=None, verb="x")
    audit.audit_record(actor=None, tenant=None, verb="x")
"""
    assert [line for line, _ in _check(source)] == [3, 4, 5, 6, 7, 8, 9, 11, 12, 13]


def test_the_finder_ignores_dicts_forms_and_other_names() -> None:
    source = """
def get_context_data(self, **kwargs):
    context = super().get_context_data(**kwargs)
    context.update({"a": 1})
    self.request.session.update({})
    cache.delete("k")
    qs = Pupil.objects.filter(a=1)
    serializer.create(data)

def other(self):
    qs.update(a=1)  # a different function's qs is not known to be a queryset
"""
    assert _check(source) == []


def _check_reads(source: str) -> list[tuple[int, str]]:
    finder = _ManagerReadFinder()
    finder.visit(ast.parse(source))
    return finder.found


def test_the_read_finder_sees_each_manager_read() -> None:
    source = """
def get(self, request):
    Pool.objects.filter(pk=1).first()
    AllocationRules.objects.order_by("-version")
    case_model.objects.all()
    Case._default_manager.get(pk=1)
    Case.all_objects.count()
    x = Pupil.objects
    y = Pupil.objects.for_tenant(body)
"""
    assert [line for line, _ in _check_reads(source)] == [3, 4, 5, 6, 7, 9]


def test_the_read_finder_ignores_selectors_writes_and_other_names() -> None:
    source = """
def get(self, request):
    selectors.case_list(tenant=body, school_ids=None)
    report_run_list(tenant=body, access=access)[:5]
    Case.objects.create(a=1)
    objects.filter(a=1)
"""
    assert _check_reads(source) == []
