"""Shared fixtures: the bundled sample dataset, loaded once per session."""

import pytest

from helpers.data import load_dataset


@pytest.fixture(scope="session")
def sample():
    """The bundled illustrative sample."""
    return load_dataset()
