"""The loader's grammar and checks for operations (spec §8)."""

from __future__ import annotations

import pytest

from pruner.errors import ManifestError
from pruner.loader import load_sources
from pruner.model import Service


def load(text: str):
    return load_sources([("m.yaml", text)])


def error(text: str) -> str:
    with pytest.raises(ManifestError) as info:
        load(text)
    return str(info.value)


def test_operations_compile_to_nodes_with_an_implicit_hard_item_on_their_service():
    m = load("""
services:
  web:
    depends_on: [config]
    operations:
      login: {description: POST /login, depends_on: [auth], availability: 0.99}
      home:
  auth: {}
  config: {}
flows: {f: {requires: [web:login]}}
""").manifest
    assert list(m.operations) == ["web:home", "web:login"]
    login = m.nodes["web:login"]
    assert login.operation_of == "web" and login.description == "POST /login"
    assert login.availability == 0.99
    assert [(i.members, i.implicit, i.soft) for i in login.depends_on] == [
        (("web",), True, False), (("auth",), False, False)]
    assert [i.members for i in login.own_items] == [("auth",)]
    assert m.services["web"].operations == (m.nodes["web:home"], login)
    assert list(m.nodes) == ["auth", "config", "web", "web:home", "web:login"]


def test_a_manifest_without_operations_has_its_services_as_nodes():
    m = load("services: {a: {depends_on: [b]}, b: }").manifest
    assert m.nodes is m.services and not m.operations


@pytest.mark.parametrize("text,fragment", [
    ("services: {w: {operations: {login: }}}\nflows: {f: {requires: [w:logn]}}",
     "flow 'f' requires unknown operation 'logn' of service 'w' (did you mean 'login'?)"),
    ("services: {w: , a: {depends_on: [w:x]}}",
     "unknown operation 'x' of service 'w' (service 'w' declares no operations)"),
    ("services: {a: {depends_on: [nope:x]}}", "unknown service 'nope:x'"),
    ("services: {w: {operations: {'a:b': }}}", "invalid operation name 'a:b'"),
    ("services: {w: {operations: {' x': }}}", "invalid operation name ' x'"),
    ("services: {w: {operations: [a, b]}}", "operations of service 'w' must be a mapping"),
    ("services: {w: {operations: {a: {requires: []}}}}",
     "unknown key 'requires' in operation 'a' of service 'w'"),
    ("services: {w: {operations: {a: {depends_on: [w:a]}}}}",
     "operation 'w:a' depends on itself"),
    ("services: {w: {availability: 2}}", "availability of service 'w' must be a number"),
    ("services: {w: {availability: .nan}}", "availability of service 'w' must be a number"),
    ("services: {w: {operations: {a: {availability: yes}}}}",
     "availability of operation 'a' of service 'w' must be a number"),
])
def test_bad_operations_are_errors_with_a_reason(text, fragment):
    assert fragment in error(text)


def test_a_service_named_like_an_operation_is_an_error_naming_both_places():
    message = error("services:\n  w: {operations: {login: }}\n  'w:login': {}\n")
    assert "m.yaml:3:3: error: service 'w:login' has the name of operation 'login' of " \
           "service 'w' (declared at m.yaml:2:20)" in message


def test_a_service_named_s_colon_o_is_fine_when_s_declares_no_such_operation():
    m = load("services:\n  'w:login': {}\n  w: {operations: {home: }}\n"
             "flows: {f: {requires: ['w:login', 'w:home']}}").manifest
    assert m.services["w:login"].operation_of is None
    assert m.nodes["w:home"].operation_of == "w"


def test_pointless_references_to_the_own_service_are_warnings():
    r = load("services:\n  w:\n    depends_on: [w:a]\n    operations: {a: {depends_on: [w]}}\n")
    messages = [w.message for w in r.warnings]
    assert any("operation 'w:a' names its own service 'w'" in m for m in messages)
    assert any("service 'w' depends on its own operation 'w:a'" in m for m in messages)


def test_operation_constructor():
    op = Service.operation("s", "o")
    assert op.name == "s:o" and op.own_items == () and op.depends_on[0].implicit
