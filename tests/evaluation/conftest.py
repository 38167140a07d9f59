"""The case fixtures (tests/cases/conftest.py) for the evaluation tests: a category,
departments, actors for every role around one place, and make_case."""

from tests.cases.conftest import (  # noqa: F401
    actors,
    category,
    department,
    fresh_router,
    make_case,
    other_department,
)
