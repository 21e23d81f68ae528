"""Question sets: every check with a right and a wrong answer, and CSVs refused with their line number."""

from __future__ import annotations

import pytest

from inference_core.experiments.questions import Question, QuestionError, builtin_questions, parse_questions


@pytest.mark.parametrize(
    ("question", "right", "wrong"),
    [
        (Question(prompt="What is 6 times 7?", expected="42", check="numeric"), "6 x 7 = 42.", "It is 48."),
        (Question(prompt="How many r in strawberry?", expected="3", check="numeric"), "There are 3.", "Two r's."),
        (Question(prompt="Capital of France?", expected="Paris", check="exact"), "It is Paris!", "Lyon, I think"),
        (Question(prompt="Capital of Canada?", expected="Ottawa", check="exact"), "ottawa", "Ottawalike city"),
        (Question(prompt="Gas?", expected="carbon dioxide|CO2", check="regex"), "They take in CO2", "oxygen"),
    ],
)
def test_each_check_accepts_the_right_answer_and_refuses_a_wrong_one(question, right, wrong):
    assert question.is_correct(right)
    assert not question.is_correct(wrong)


def test_the_builtin_set_covers_arithmetic_counting_units_and_facts():
    questions = builtin_questions()
    assert len(questions) == 30
    assert {q.check for q in questions} == {"numeric", "exact", "regex"}
    assert any("strawberry" in q.prompt for q in questions) and any("capital" in q.prompt for q in questions)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("question,answer\nq,1\n", "line 1: the header must be exactly prompt,expected,check"),
        (
            "prompt,expected,check\nq,1,numeric\nq2,x,numeric\n",
            "line 3: row: Value error, expected 'x' is not a number",
        ),
        ("prompt,expected,check\nq,1,fuzzy\n", "line 2: check:"),
        ("prompt,expected,check\nq,[unclosed,regex\n", "line 2"),
        ("prompt,expected,check\nq,1\n", "line 2: needs exactly three fields"),
        ("prompt,expected,check\n", "no questions"),
        (b"prompt,expected,check\n\xff,1,numeric\n", "not UTF-8"),
    ],
)
def test_a_malformed_csv_is_refused_with_its_line(text, message):
    with pytest.raises(QuestionError, match=message.replace("[", r"\[").replace("(", r"\(")):
        parse_questions(text)


GRADE_HOSTILE = """
from inference_core.experiments.questions import Question
for pattern, answer in (("(a+)+$", "a" * 40 + "b"), ("(.|.)*@@@", "Hello! The weather today is " * 40),
                        ("(x+x+)+y", "x" * 5000)):
    assert not Question(prompt="Say a", expected=pattern, check="regex").is_correct(answer)
print("graded")
"""


def test_a_backtracking_pattern_is_graded_in_linear_time():
    """Python's re takes about 2**40 steps on the first of these (hours); RE2 answers at once. In a child
    process, so a regression hangs that process (killed at the timeout), not the suite."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", GRADE_HOSTILE], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "graded", done.stderr


def test_a_pattern_re2_cannot_run_is_refused_with_the_reason():
    with pytest.raises(QuestionError, match=r"line 2: .*RE2 can run \(no backreferences or look-around\)"):
        parse_questions(b"prompt,expected,check\nSay it twice.,(hi) \\1,regex\n")
    assert Question(prompt="Say HELLO", expected="h.llo", check="regex").is_correct("well, Hello there")
