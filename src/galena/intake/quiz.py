"""Quizzes: a multi-step survey that ends with the contact fields and a reward.

Pure logic over the quiz definition kept in ``Form.quiz``; no database, no requests. The
hosted page, the embed script's configuration and ``Form.clean`` all go through here.

A definition::

    {"start": "goal",                       # optional: the first step (default: the first listed)
     "steps": [
        {"id": "goal", "question": "What do you want?", "type": "single",
         "options": [{"value": "save", "label": "Save money", "next": "bill"},
                     {"value": "green", "label": "Go green"}],
         "next": "roof"},                  # default next step; "end" finishes the quiz
        {"id": "bill", "question": "Monthly bill?", "type": "number", "min": 0},
        {"id": "roof", "question": "Roof type?", "type": "multiple", "options": [...]},
     ]}

Where a step goes next: for a single choice, the chosen option's ``next``; for a multiple
choice, the ``next`` of the first chosen option (in the listed order) that has one; otherwise
the step's ``next``; without one, the step listed after it (the last step finishes). A quiz
must always finish: loops and steps that no answer reaches are refused.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# marks the visitor-facing messages for translation; the pages translate them
from django.utils.translation import gettext_noop as _

END = "end"
STEP_TYPES = ("single", "multiple", "text", "number")
CHOICE_TYPES = frozenset({"single", "multiple"})
MAX_STEPS = 100
MAX_TEXT_CHARS = 500

Answer = str | list[str] | int | float | None


class QuizDefinitionError(ValueError):
    """A quiz definition that cannot be used; ``errors`` says every reason, for people."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class AnswerInvalid(ValueError):
    """An answer the visitor must change. ``template`` % ``params`` is the message shown next
    to the question; pages translate the template before filling it in."""

    def __init__(self, template: str, **params: Any):
        self.template = template
        self.params = params
        self.message = template % params if params else template
        super().__init__(self.message)


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    next: str | None = None  # a step id or END; None: the step's own next


@dataclass(frozen=True)
class Step:
    id: str
    question: str
    type: str
    options: tuple[Option, ...] = ()
    next: str = END  # resolved: a step id or END
    required: bool = True
    min: float | None = None
    max: float | None = None

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Quiz:
    steps: dict[str, Step]  # in the order listed
    start: str

    def step(self, step_id: str) -> Step:
        return self.steps[step_id]


# --- the definition -------------------------------------------------------------------


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _step_errors(index: int, raw: Any, ids: set[str]) -> list[str]:
    where = f"Step {index + 1}"
    if not isinstance(raw, Mapping):
        return [f"{where} must be an object with id, question and type."]
    errors: list[str] = []
    step_id = raw.get("id")
    if _is_text(step_id):
        where = f"Step {step_id!r}"
    question = raw.get("question")
    if not _is_text(question):
        errors.append(f"{where} needs a question.")
    kind = raw.get("type")
    if kind not in STEP_TYPES:
        errors.append(f"{where}: type must be one of {', '.join(STEP_TYPES)} (got {kind!r}).")
    options = raw.get("options") or []
    if not isinstance(options, list):
        errors.append(f"{where}: options must be a list.")
        options = []
    if kind in CHOICE_TYPES and not options:
        errors.append(f"{where} is a {kind} choice: give it options to choose from.")
    if kind in ("text", "number") and options:
        errors.append(f"{where} is a {kind} question: it takes no options.")
    values: set[str] = set()
    for position, option in enumerate(options, start=1):
        if not isinstance(option, Mapping):
            errors.append(f"{where}, option {position}: give it a value and a label.")
            continue
        value = option.get("value")
        if not _is_text(value):
            errors.append(f"{where}, option {position}: value must be non-empty text.")
        elif value in values:
            errors.append(f"{where}: option value {value!r} is used twice.")
        else:
            values.add(value)
        if not _is_text(option.get("label")):
            errors.append(f"{where}, option {position}: label must be non-empty text.")
        target = option.get("next")
        if target is not None and target != END and target not in ids:
            errors.append(f"{where}, option {position}: next {target!r} is not a step id.")
    target = raw.get("next")
    if target is not None and target != END and target not in ids:
        errors.append(f"{where}: next {target!r} is not a step id.")
    for bound in ("min", "max"):
        if raw.get(bound) is not None and (kind != "number" or not _is_number(raw[bound])):
            errors.append(f"{where}: {bound} is for number questions and must be a number.")
    if _is_number(raw.get("min")) and _is_number(raw.get("max")) and raw["min"] > raw["max"]:
        errors.append(f"{where}: min is greater than max.")
    if "required" in raw and not isinstance(raw["required"], bool):
        errors.append(f"{where}: required must be true or false.")
    return errors


def _edges(steps: list[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Step id -> the step ids it can go to (END left out)."""
    ids = [s["id"] for s in steps]
    graph: dict[str, list[str]] = {}
    for index, raw in enumerate(steps):
        default = raw.get("next")
        if default is None:
            default = ids[index + 1] if index + 1 < len(ids) else END
        targets = [default] if raw.get("type") not in CHOICE_TYPES else []
        if raw.get("type") in CHOICE_TYPES:
            targets = [o.get("next") or default for o in raw.get("options") or []]
            # a multiple choice whose options all branch elsewhere may still use the default
            # when none of the branching options is chosen
            if raw.get("type") == "multiple" or not raw.get("required", True):
                targets.append(default)
        graph[raw["id"]] = [t for t in dict.fromkeys(targets) if t != END]
    return graph


def _find_cycle(graph: Mapping[str, list[str]], order: Iterable[str]) -> list[str] | None:
    """One loop of step ids (first id repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in order:
        if root in state:
            continue
        stack: list[tuple[str, Iterable[str]]] = [(root, iter(graph[root]))]
        path = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                return [*path[path.index(child) :], child]
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(graph[child])))
    return None


def definition_errors(definition: Any) -> list[str]:
    """Every reason the definition cannot be used, in words for the person editing it."""
    if not isinstance(definition, Mapping):
        return ['A quiz is an object: {"steps": [...]}.']
    steps = definition.get("steps")
    if not isinstance(steps, list) or not steps:
        return ['A quiz needs "steps": a non-empty list of questions.']
    if len(steps) > MAX_STEPS:
        return [f"A quiz has at most {MAX_STEPS} steps (this one has {len(steps)})."]
    errors: list[str] = []
    ids: set[str] = set()
    for index, raw in enumerate(steps):
        step_id = raw.get("id") if isinstance(raw, Mapping) else None
        if not _is_text(step_id):
            errors.append(f"Step {index + 1} needs an id (short text, unique in the quiz).")
        elif step_id == END:
            errors.append(f'Step {index + 1}: "{END}" is reserved (it finishes the quiz).')
        elif step_id in ids:
            errors.append(f"Step id {step_id!r} is used twice.")
        else:
            ids.add(step_id)
    for index, raw in enumerate(steps):
        errors.extend(_step_errors(index, raw, ids))
    start = definition.get("start")
    if start is not None and start not in ids:
        errors.append(f"start {start!r} is not a step id.")
    if errors:
        return errors
    graph = _edges(steps)
    cycle = _find_cycle(graph, [s["id"] for s in steps])
    if cycle is not None:
        return [f"Steps {' → '.join(cycle)} form a loop: every path through a quiz must end."]
    first = start or steps[0]["id"]
    reached = {first}
    frontier = [first]
    while frontier:
        for target in graph[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    unreached = [s["id"] for s in steps if s["id"] not in reached]
    if unreached:
        errors.append(
            f"No answer leads to step(s) {', '.join(unreached)}: link them or remove them."
        )
    return errors


def load(definition: Any) -> Quiz:
    """The quiz a definition describes; QuizDefinitionError when it cannot be used."""
    errors = definition_errors(definition)
    if errors:
        raise QuizDefinitionError(errors)
    raw_steps = definition["steps"]
    ids = [s["id"] for s in raw_steps]
    steps: dict[str, Step] = {}
    for index, raw in enumerate(raw_steps):
        default = raw.get("next")
        if default is None:
            default = ids[index + 1] if index + 1 < len(ids) else END
        steps[raw["id"]] = Step(
            id=raw["id"],
            question=raw["question"].strip(),
            type=raw["type"],
            options=tuple(
                Option(value=o["value"], label=o["label"].strip(), next=o.get("next"))
                for o in raw.get("options") or []
            ),
            next=default,
            required=raw.get("required", True),
            min=raw.get("min"),
            max=raw.get("max"),
        )
    return Quiz(steps=steps, start=definition.get("start") or ids[0])


# --- answering ------------------------------------------------------------------------


def validate_answer(step: Step, values: list[str]) -> Answer:
    """The answer the visitor's raw values (as posted) give to a step; AnswerInvalid says
    what to change. Choices answer with option values, a number with a number."""
    values = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    if not values:
        if step.required:
            raise AnswerInvalid(
                _("Choose an answer.")
                if step.type in CHOICE_TYPES
                else _("Enter a number.")
                if step.type == "number"
                else _("Write an answer.")
            )
        return [] if step.type == "multiple" else None
    if step.type in CHOICE_TYPES:
        unknown = [v for v in values if step.option(v) is None]
        if unknown:
            raise AnswerInvalid(_("Choose one of the answers shown."))
        if step.type == "single":
            if len(values) > 1:
                raise AnswerInvalid(_("Choose one answer."))
            return values[0]
        chosen = set(values)
        return [o.value for o in step.options if o.value in chosen]
    if step.type == "number":
        text = values[0].replace(" ", "").replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise AnswerInvalid(_("Enter a number, e.g. 120.")) from None
        if not math.isfinite(number):
            raise AnswerInvalid(_("Enter a number, e.g. 120."))
        if step.min is not None and number < step.min:
            raise AnswerInvalid(_("Enter %(number)s or more."), number=_plain(step.min))
        if step.max is not None and number > step.max:
            raise AnswerInvalid(_("Enter %(number)s or less."), number=_plain(step.max))
        return int(number) if number.is_integer() else number
    text = values[0]
    if len(text) > MAX_TEXT_CHARS:
        raise AnswerInvalid(_("Use at most %(count)s characters."), count=MAX_TEXT_CHARS)
    return text


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def next_step_id(step: Step, answer: Answer) -> str:
    """Where the quiz goes after this answer: a step id, or END."""
    if step.type == "single" and isinstance(answer, str):
        option = step.option(answer)
        if option is not None and option.next:
            return option.next
    if step.type == "multiple" and isinstance(answer, list):
        chosen = set(answer)
        for option in step.options:
            if option.value in chosen and option.next:
                return option.next
    return step.next


def path(quiz: Quiz, answers: Mapping[str, Answer]) -> list[str]:
    """The steps the answers walk through, from the start up to the first unanswered step
    (included) or the end. Answers to steps off this path (left behind by going back and
    choosing differently) do not count."""
    walked: list[str] = []
    step_id = quiz.start
    while step_id != END and step_id in quiz.steps and step_id not in walked:
        walked.append(step_id)
        if step_id not in answers:
            break
        step_id = next_step_id(quiz.step(step_id), answers[step_id])
    return walked


def next_unanswered(quiz: Quiz, answers: Mapping[str, Answer]) -> str:
    """The step to ask now: the first unanswered step on the path, or END when done."""
    walked = path(quiz, answers)
    if walked and walked[-1] not in answers:
        return walked[-1]
    return END


def is_complete(quiz: Quiz, answers: Mapping[str, Answer]) -> bool:
    return next_unanswered(quiz, answers) == END


def previous_step_id(quiz: Quiz, answers: Mapping[str, Answer], at: str) -> str | None:
    """The step before ``at`` on the path (``at`` may be END: the last answered step)."""
    walked = path(quiz, answers)
    if at == END:
        return walked[-1] if walked else None
    if at in walked:
        index = walked.index(at)
        return walked[index - 1] if index > 0 else None
    return None


def longest_remaining(quiz: Quiz, step_id: str) -> int:
    """How many steps at most are left from ``step_id`` (itself included) to the end."""
    memo: dict[str, int] = {}
    order: list[tuple[str, bool]] = [(step_id, False)]
    while order:
        current, expanded = order.pop()
        if current in memo:
            continue
        step = quiz.step(current)
        targets = {o.next or step.next for o in step.options} | {step.next}
        targets.discard(END)
        if expanded:
            memo[current] = 1 + max((memo[t] for t in targets), default=0)
        else:
            order.append((current, True))
            order.extend((t, False) for t in targets if t not in memo)
    return memo[step_id]


def progress(quiz: Quiz, answers: Mapping[str, Answer], at: str) -> tuple[int, int]:
    """(this step's number, the most steps the visitor may see), counting the contact page
    that follows the questions as the last step."""
    walked = path(quiz, answers)
    if at == END:
        return len(walked) + 1, len(walked) + 1
    index = walked.index(at) if at in walked else 0
    return index + 1, index + longest_remaining(quiz, at) + 1


def answers_for_lead(quiz: Quiz, answers: Mapping[str, Answer]) -> dict[str, Any]:
    """The answers on the walked path as {question: answer}, with choices as the labels the
    visitor saw — what a salesperson reads on the lead. Skipped optional steps are left out;
    a question asked twice in one quiz is told apart by its step id."""
    questions = [quiz.step(s).question for s in path(quiz, answers)]
    result: dict[str, Any] = {}
    for step_id in path(quiz, answers):
        if step_id not in answers:
            continue
        step = quiz.step(step_id)
        answer = answers[step_id]
        if answer in (None, "", []):
            continue
        if step.type == "single":
            answer = _label(step, answer)
        elif step.type == "multiple":
            answer = [_label(step, value) for value in answer]
        key = (
            step.question if questions.count(step.question) == 1 else f"{step.question} ({step_id})"
        )
        result[key] = answer
    return result


def _label(step: Step, value: str) -> str:
    option = step.option(value)
    return option.label if option is not None else value


def as_config(quiz: Quiz) -> dict[str, Any]:
    """The quiz for the embed script: every step with its resolved next step."""
    return {
        "start": quiz.start,
        "steps": [
            {
                "id": step.id,
                "question": step.question,
                "type": step.type,
                "required": step.required,
                "min": step.min,
                "max": step.max,
                "next": step.next,
                "options": [
                    {"value": o.value, "label": o.label, "next": o.next or None}
                    for o in step.options
                ],
            }
            for step in quiz.steps.values()
        ],
    }
