"""pytest-jupyter's server fixtures (jp_fetch, jp_serverapp…), for the tests in this folder only."""

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403
from traitlets.config import Config


@pytest.fixture
def jp_server_config() -> Config:
    """The server with the dsquality extension enabled and a small body limit (to test 413)."""
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"dsquality.jupyter": True}},
            "DsqualityExtension": {"max_body_bytes": 200_000},
        }
    )


@pytest.fixture
def jp_listening_port(jp_fetch, jp_http_port: int) -> int:
    """The port of the test server, listening (``jp_http_port`` alone only reserves it; ``jp_fetch`` starts it)."""
    return jp_http_port
