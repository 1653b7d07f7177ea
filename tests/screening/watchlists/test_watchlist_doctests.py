from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from palermo.screening.watchlists import index, matching, model, names


@pytest.mark.parametrize("module", [names, model, matching, index], ids=lambda m: m.__name__)
def test_the_examples_in_the_documentation_run(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
