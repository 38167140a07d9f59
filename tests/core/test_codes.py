import pytest

from civicgrid.core.codes import ancestor_codes, code_error, level_of, parent_code


@pytest.mark.parametrize(("code", "level"), [
    ("110102", "district"), ("110102007", "street"), ("110102007006", "community"),
    ("110102007006001", "grid"), ("110102007006001002", "microgrid"),
    ("11010", None), ("11010200a", None), ("", None)])
def test_level_by_length(code, level):
    assert level_of(code) == level


def test_parent_and_ancestors():
    assert parent_code("110102007006001") == "110102007006"
    assert parent_code("110102") is None
    assert ancestor_codes("110102007006001") == ["110102", "110102007", "110102007006"]


@pytest.mark.parametrize(("code", "level", "parent", "fragment"), [
    ("11010200700", "community", None, "12位"),
    ("1101020070x6", "community", None, "数字"),
    ("110105007006", "community", "110102007", "不一致"),
    ("110102007000", "community", None, "000"),
    ("000102", "district", None, "00"),
])
def test_code_errors_say_what_is_wrong(code, level, parent, fragment):
    error = code_error(code, level, parent)
    assert error is not None and fragment in error


def test_valid_codes_have_no_error():
    assert code_error("110102007006001", "grid", "110102007006") is None
    assert code_error("110102", "district") is None
