"""The rights guard's age policy from the command line."""

from __future__ import annotations

from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.profiles import EXAMPLES_DIR

runner = CliRunner()


def test_a_set_checked_with_no_age_refuses_the_shipped_profiles_that_use_age() -> None:
    result = runner.invoke(app, ["profiles", "check", str(EXAMPLES_DIR), "--no-age"])
    assert result.exit_code == 2
    assert "minor-with-suspect-document" in result.output
    assert "entertainment-recruitment-third-party" in result.output
    assert "does not let age narrow" in result.output
    assert runner.invoke(app, ["profiles", "check", str(EXAMPLES_DIR)]).exit_code == 0
