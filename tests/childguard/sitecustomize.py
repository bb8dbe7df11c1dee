"""Loaded by Python at start-up in every child process of the test suite.

``tests/conftest.py`` puts this folder first on ``PYTHONPATH``, so a command the tests run with
``subprocess`` gets the guard pytest-socket gives the test process: connections to loopback
only (the local servers that replay recorded answers), never the network.
"""

from pytest_socket import socket_allow_hosts

socket_allow_hosts(["127.0.0.1", "::1", "localhost"], allow_unix_socket=True)
