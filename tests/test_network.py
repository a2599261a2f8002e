"""The suite runs offline: pytest-socket (configured in pyproject.toml) refuses every
connection except to this machine, so a test that reaches the network fails loudly."""

from __future__ import annotations

import socket
import threading

import pytest
from pytest_socket import SocketConnectBlockedError


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_a_connection_to_another_host_is_refused():
    with pytest.raises(SocketConnectBlockedError):
        # 192.0.2.1 is TEST-NET-1: reserved for documentation, never a real host
        socket.create_connection(("192.0.2.1", 80), timeout=1)


def test_a_connection_to_localhost_is_allowed():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        accepted = threading.Thread(target=lambda: server.accept()[0].close())
        accepted.start()
        with socket.create_connection(server.getsockname(), timeout=5) as client:
            assert client.getpeername() == server.getsockname()
        accepted.join(timeout=5)
