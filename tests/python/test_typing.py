"""Keeps the hand-written stub (_native.pyi) honest against the compiled module, and the package
type-clean under ``mypy --strict``."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import runpy
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import tokensmith
from tokensmith import _native

PKG = Path(tokensmith.__file__).resolve().parent
STUB = PKG / "_native.pyi"
USAGE = Path(__file__).resolve().parent / "typing_usage.py"
NO_DEFAULT = "<no default>"
ANY_DEFAULT = "<...>"

needs_mypy = pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")


def stub_tree() -> ast.Module:
    return ast.parse(STUB.read_text(encoding="utf-8"), filename=str(STUB))


def is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def is_type_alias(node: ast.stmt) -> bool:
    return isinstance(node, ast.AnnAssign) and ast.unparse(node.annotation) in ("TypeAlias", "typing.TypeAlias")


def is_type_var(node: ast.stmt) -> bool:
    return isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and ast.unparse(node.value.func) == "TypeVar"


def stub_declarations(tree: ast.Module) -> dict[str, ast.stmt]:
    """Top-level names the stub declares, except imports and private typing-only aliases and TypeVars."""
    out: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if not (is_type_alias(node) and node.target.id.startswith("_")):
                out[node.target.id] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and not (is_type_var(node) and target.id.startswith("_")):
                    out[target.id] = node
    return out


def declared_names() -> set[str]:
    return {n for n in stub_declarations(stub_tree()) if not is_dunder(n) or n == "__version__"}


def runtime_names() -> set[str]:
    return {n for n in dir(_native) if not is_dunder(n) or n == "__version__"}


def stub_functions() -> dict[str, ast.FunctionDef]:
    return {n: d for n, d in stub_declarations(stub_tree()).items() if isinstance(d, ast.FunctionDef)}


def stub_classes() -> dict[str, ast.ClassDef]:
    return {n: d for n, d in stub_declarations(stub_tree()).items() if isinstance(d, ast.ClassDef)}


def default_of(node: ast.expr | None) -> Any:
    if node is None:
        return NO_DEFAULT
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return ANY_DEFAULT
    return ast.literal_eval(node)


def stub_params(fn: ast.FunctionDef) -> list[tuple[str, inspect._ParameterKind, Any]]:
    a = fn.args
    P = inspect.Parameter
    positional = [(x, P.POSITIONAL_ONLY) for x in a.posonlyargs] + [(x, P.POSITIONAL_OR_KEYWORD) for x in a.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    out: list[tuple[str, inspect._ParameterKind, Any]] = [
        (x.arg, kind, default_of(d)) for (x, kind), d in zip(positional, defaults)
    ]
    if a.vararg:
        out.append((a.vararg.arg, P.VAR_POSITIONAL, NO_DEFAULT))
    out += [(x.arg, P.KEYWORD_ONLY, default_of(d)) for x, d in zip(a.kwonlyargs, a.kw_defaults)]
    if a.kwarg:
        out.append((a.kwarg.arg, P.VAR_KEYWORD, NO_DEFAULT))
    return out


def runtime_params(obj: Any) -> list[tuple[str, inspect._ParameterKind, Any]]:
    sig = inspect.signature(obj)
    return [
        (p.name, p.kind, NO_DEFAULT if p.default is inspect.Parameter.empty else p.default)
        for p in sig.parameters.values()
    ]


def same(stub: list[tuple[str, inspect._ParameterKind, Any]], runtime: list[tuple[str, inspect._ParameterKind, Any]]) -> bool:
    if len(stub) != len(runtime):
        return False
    for (s_name, s_kind, s_default), (r_name, r_kind, r_default) in zip(stub, runtime):
        if (s_name, s_kind) != (r_name, r_kind):
            return False
        if s_default == ANY_DEFAULT:
            if r_default == NO_DEFAULT:
                return False
        elif s_default != r_default:
            return False
    return True


# (a) names


def test_stub_declares_exactly_the_runtime_names() -> None:
    runtime, declared = runtime_names(), declared_names()
    assert runtime - declared == set(), "in the module but not in _native.pyi"
    assert declared - runtime == set(), "in _native.pyi but not in the module"


def test_stub_all_matches_the_runtime_all() -> None:
    node = stub_declarations(stub_tree())["__all__"]
    assert isinstance(node, ast.Assign)
    assert sorted(ast.literal_eval(node.value)) == sorted(_native.__all__)
    assert set(_native.__all__) == runtime_names()


def test_stub_classes_declare_exactly_the_runtime_methods() -> None:
    for name, cls_node in stub_classes().items():
        runtime_cls = getattr(_native, name)
        stub_methods = {n.name for n in cls_node.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}
        runtime_methods = {n for n in dir(runtime_cls) if not n.startswith("_")}
        assert stub_methods == runtime_methods, name


# (b) signatures


@pytest.mark.parametrize("name", sorted(stub_functions()))
def test_function_signature_matches_the_stub(name: str) -> None:
    fn = getattr(_native, name)
    assert fn.__text_signature__ is not None, f"{name}: pyo3 gave no text signature"
    stub, runtime = stub_params(stub_functions()[name]), runtime_params(fn)
    assert same(stub, runtime), f"{name}\n  stub:    {stub}\n  runtime: {runtime}"


@pytest.mark.parametrize(
    ("cls", "method"),
    [
        (c, m.name)
        for c, node in sorted(stub_classes().items())
        for m in node.body
        # A getter (`@property`) has no call signature to compare.
        if isinstance(m, ast.FunctionDef) and not any(ast.unparse(d) == "property" for d in m.decorator_list)
    ],
)
def test_method_signature_matches_the_stub(cls: str, method: str) -> None:
    node = next(m for m in stub_classes()[cls].body if isinstance(m, ast.FunctionDef) and m.name == method)
    stub = stub_params(node)[1:]  # without self
    runtime_cls = getattr(_native, cls)
    if method in ("__init__", "__new__"):
        runtime = runtime_params(runtime_cls)  # pyo3's #[new]: the class's own signature
    else:
        runtime = runtime_params(getattr(runtime_cls, method))[1:]
    assert same(stub, runtime), f"{cls}.{method}\n  stub:    {stub}\n  runtime: {runtime}"


def test_the_comparison_itself_notices_a_difference() -> None:
    # Guards the helpers above: a renamed, re-kinded or re-defaulted parameter must not compare equal.
    fn = stub_functions()["agora_verify"]
    runtime = runtime_params(_native.agora_verify)
    assert same(stub_params(fn), runtime)
    P = inspect.Parameter
    assert not same([("token", P.POSITIONAL_OR_KEYWORD, NO_DEFAULT)] + stub_params(fn)[1:2], runtime)
    assert not same([(n, P.POSITIONAL_OR_KEYWORD, d) for n, _, d in stub_params(fn)], runtime)
    assert not same(stub_params(fn)[:2] + [("now", P.KEYWORD_ONLY, 0)], runtime)
    assert not same(stub_params(fn)[:2] + [("when", P.KEYWORD_ONLY, None)], runtime)


def test_wrapper_modules_export_the_native_functions() -> None:
    for module in (tokensmith.agora, tokensmith.ably, tokensmith.auth_token):
        for name in module.__all__:
            obj = getattr(module, name)
            assert obj.__module__ == "tokensmith._native" or getattr(obj, "__self__", None) is _native, name
            assert getattr(_native, obj.__name__) is obj
    assert tokensmith.explain is _native.explain


# (c) the typing files ship with the package


def test_py_typed_and_stub_are_in_the_installed_package() -> None:
    for name in ("py.typed", "_native.pyi"):
        assert (PKG / name).is_file(), name
        assert resources.files("tokensmith").joinpath(name).is_file(), name
    native = Path(_native.__file__).resolve()
    assert native.parent == PKG
    assert native.name.startswith("_native.")


# (d) stubtest and mypy --strict


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


@needs_mypy
def test_stubtest_passes(tmp_path: Path) -> None:
    # cwd is a temporary directory so stubtest's .mypy_cache does not land in the repository.
    r = run(["-m", "mypy.stubtest", "tokensmith._native"], cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


@needs_mypy
def test_usage_file_is_clean_under_mypy_strict(tmp_path: Path, pytestconfig: pytest.Config) -> None:
    cache = pytestconfig.cache.mkdir("mypy") if pytestconfig.cache else tmp_path
    r = run(["-m", "mypy", "--strict", "--cache-dir", str(cache), str(USAGE)], cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


@needs_mypy
def test_package_is_clean_under_mypy_strict(tmp_path: Path, pytestconfig: pytest.Config) -> None:
    cache = pytestconfig.cache.mkdir("mypy") if pytestconfig.cache else tmp_path
    r = run(["-m", "mypy", "--strict", "--cache-dir", str(cache), "-p", "tokensmith"], cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def test_usage_file_runs() -> None:
    runpy.run_path(str(USAGE), run_name="typing_usage")["main"]()
