"""Question sets with checkable answers: the built-in set and a user's CSV (``prompt,expected,check``).

A check is ``exact`` (the expected words appear in the answer, case and punctuation aside),
``numeric`` (the first number in the answer that is not in the question equals the expected
one) or ``regex`` (the expected pattern is found, case-insensitive). Every row of a CSV is
validated; a bad one refuses the whole file with its line number.

A visitor's pattern runs on RE2 (google-re2), which matches in time linear in the answer and never
backtracks: ``(a+)+$`` or ``(.|.)*@@@`` cannot freeze the server. RE2 has no backreferences or
look-around; a pattern that needs them is refused when the set is read, with RE2's reason.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from pathlib import Path
from typing import Any, Literal

import re2
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

BUILTIN = Path(__file__).parents[1] / "data" / "questions.csv"
MAX_CSV_BYTES = 1_000_000
MAX_QUESTIONS = 500
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_WORDS = re.compile(r"[^\w]+")
PATTERN_MEMORY_BYTES = 8 << 20
"""RE2's memory budget for one compiled pattern (its default; a pattern past it is refused)."""


@functools.lru_cache(maxsize=256)
def grader(pattern: str) -> Any:
    """A case-insensitive RE2 pattern; re2.error (with RE2's reason) when RE2 cannot compile it."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # the reason goes to the user in the error, not to stderr
    options.max_mem = PATTERN_MEMORY_BYTES
    return re2.compile(pattern, options)


class QuestionError(ValueError):
    """A question set that cannot be used; the message names the line."""

    for_user = True


class Question(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt: str = Field(min_length=1, max_length=10_000)
    expected: str = Field(min_length=1, max_length=1_000)
    check: Literal["exact", "numeric", "regex"]

    @field_validator("prompt", "expected")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    def model_post_init(self, _context: object) -> None:
        if self.check == "numeric" and _number(self.expected) is None:
            raise ValueError(f"expected {self.expected!r} is not a number")
        if self.check == "regex":
            try:
                grader(self.expected)
            except re2.error as exc:
                reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else exc
                raise ValueError(
                    f"expected {self.expected[:100]!r} is not a regular expression RE2 can run "
                    f"(no backreferences or look-around): {reason}"
                ) from None

    def is_correct(self, answer: str) -> bool:
        if self.check == "regex":
            return grader(self.expected).search(answer) is not None
        if self.check == "numeric":
            asked = {_number(n) for n in _NUMBER.findall(self.prompt)}
            found = [value for n in _NUMBER.findall(answer) if (value := _number(n)) not in asked]
            return bool(found) and math.isclose(found[0], _number(self.expected) or 0.0, rel_tol=1e-9)
        expected = _words(self.expected)
        return f" {expected} " in f" {_words(answer)} "


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _words(text: str) -> str:
    return " ".join(_WORDS.split(text.casefold())).strip()


def parse_questions(raw: bytes | str) -> list[Question]:
    """Questions from CSV text with a ``prompt,expected,check`` header; QuestionError names the bad line."""
    if len(raw) > MAX_CSV_BYTES:
        raise QuestionError(f"the file is over {MAX_CSV_BYTES // 1000} kB")
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise QuestionError(f"the file is not UTF-8 text (byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != ["prompt", "expected", "check"]:
        raise QuestionError("line 1: the header must be exactly prompt,expected,check")
    questions = []
    try:
        for row in reader:
            if len(questions) >= MAX_QUESTIONS:
                raise QuestionError(f"more than {MAX_QUESTIONS} questions")
            if None in row or any(value is None for value in row.values()):
                raise QuestionError(f"line {reader.line_num}: needs exactly three fields (prompt,expected,check)")
            try:
                questions.append(Question(**{key.strip(): value for key, value in row.items()}))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first["loc"]) or "row"
                raise QuestionError(f"line {reader.line_num}: {where}: {first['msg']}") from None
    except csv.Error as exc:
        raise QuestionError(f"line {reader.line_num}: {exc}") from None
    if not questions:
        raise QuestionError("the file has no questions")
    return questions


def builtin_questions() -> list[Question]:
    return parse_questions(BUILTIN.read_text(encoding="utf-8"))
