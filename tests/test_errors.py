"""The one error hierarchy: every error greenmfg defines carries its HTTP shape and a Chinese message."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import greenmfg
from greenmfg.errors import STATUS_TEXT, GreenmfgError, InputError, Issue, ValidationFailed

CHINESE = re.compile(r"[\u4e00-\u9fff]")
#: modules that need what a test machine may lack (a Java runtime for Spark is looked up lazily)
_SKIPPED: list[str] = []


def _every_error() -> list[type[GreenmfgError]]:
    for module in pkgutil.walk_packages(greenmfg.__path__, "greenmfg."):
        if module.name.endswith("__main__"):   # runs the command line when imported
            continue
        try:
            importlib.import_module(module.name)
        except ImportError:   # an optional dependency is missing: its errors cannot be raised either
            _SKIPPED.append(module.name)
    found: list[type[GreenmfgError]] = []
    todo: list[type[GreenmfgError]] = [GreenmfgError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted({c for c in found if c.__module__.startswith("greenmfg")}, key=lambda c: c.__qualname__)


ERRORS = _every_error()


def test_the_walk_finds_the_errors_of_every_layer() -> None:
    names = {cls.__name__ for cls in ERRORS}
    assert {"AdminError", "MeterAccountingError", "BrokerWouldDrop", "PayloadError", "WeakPassword", "AuthFailed",
            "Throttled", "BadParameter", "NotFound", "Forbidden", "ConfigurationError", "CapacityRuleError",
            "EngineError", "UploadRejected", "ImportConflict", "TransitionConflict", "PlanConflict",
            "EvaluationConflict", "DatasetError", "InputError", "UnitError", "ValidationFailed", "ApiError",
            "LoginRequired", "PasswordChangeRequired"} <= names, (names, _SKIPPED)


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_error_has_a_status_a_code_and_both_messages(cls: type[GreenmfgError]) -> None:
    assert isinstance(cls.status, int) and 400 <= cls.status <= 599
    assert isinstance(cls.code, str) and re.fullmatch(r"[a-z][a-z0-9_.]*", cls.code)
    assert cls.message and not CHINESE.search(cls.message)
    assert CHINESE.search(cls.message_zh), f"{cls.__qualname__} has no Chinese message"
    assert cls.field is None or cls.field.isidentifier()


def test_an_instance_overrides_the_defaults_of_its_kind() -> None:
    error = GreenmfgError("x is wrong", "x 有误", status=409, code="x.conflict", field="x",
                          headers={"Retry-After": "3"})
    assert (error.status, error.code, error.message, error.message_zh, str(error)) == (
        409, "x.conflict", "x is wrong", "x 有误", "x is wrong")
    assert error.details == [{"location": "body.x", "message": "x is wrong", "message_zh": "x 有误"}]
    assert error.headers == {"Retry-After": "3"}
    assert GreenmfgError.status == 422 and GreenmfgError.code == "invalid" and GreenmfgError.field is None
    plain = GreenmfgError()
    assert (plain.status, plain.code, plain.message_zh, plain.details, plain.headers) == (
        422, "invalid", "请求内容无效", [], None)
    assert error.message_in("zh-CN") == "x 有误" and error.message_in("en") == "x is wrong"


def test_a_message_in_both_languages_serves_as_both() -> None:
    error = InputError("a.csv: not UTF-8 or GB18030 text / 文件编码无法识别")
    assert error.message_zh == error.message == str(error)
    assert InputError("a.csv / 中", "另一种说法").message_zh == "另一种说法"
    assert GreenmfgError("only English").message_zh == GreenmfgError.message_zh   # no Chinese given: the kind's


def test_validation_failed_lists_its_issues_as_details() -> None:
    issue = Issue("x.bad", "bad", "fix it", "错误", "请修正", file="a.csv", row=3, column="x")
    error = ValidationFailed([issue], 7)
    assert (error.status, error.code, error.total, error.issues) == (422, "invalid_input", 7, [issue])
    assert error.details == [issue.as_dict()]
    assert str(error) == "7 error(s) in the input; nothing was computed"
    assert error.message_zh == "输入有 7 处错误，未做任何更改"
    assert ValidationFailed(issues=[issue], total=1).issues == [issue]


def test_status_text_covers_the_statuses_the_web_edge_answers() -> None:
    for status, (code, message, message_zh) in STATUS_TEXT.items():
        assert 400 <= status <= 599 and code and message and CHINESE.search(message_zh)
