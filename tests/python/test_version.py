"""Pipeline smoke test: `pip install -e './python[test]'` built and installed the package."""

import pickle
from importlib.metadata import version

import pytest

import tokensmith
from tokensmith import errors


def test_version_matches_the_installed_distribution():
    # maturin takes the distribution's version from Cargo; the native module reports the crate's.
    assert tokensmith.__version__ == version("tokensmith")


def test_native_module_is_a_private_submodule():
    assert tokensmith._native.__name__ == "tokensmith._native"
    assert tokensmith._native.__version__ == tokensmith.__version__


@pytest.mark.parametrize("cls", [errors.TokensmithError, *errors.BY_CODE.values()], ids=lambda c: c.__name__)
def test_errors_survive_pickling(cls):
    err = cls("boom", cls.code, 40142, "token")
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is cls
    assert (copy.code, copy.vendor_code, copy.field, str(copy)) == (cls.code, 40142, "token", "boom")


def test_invalid_argument_is_a_value_error():
    assert issubclass(errors.InvalidArgumentError, errors.TokensmithError)
    assert issubclass(errors.InvalidArgumentError, ValueError)
