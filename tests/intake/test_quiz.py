"""Quizzes: the pure logic (definitions, answers, branching, progress) and the hosted quiz
page that walks a visitor through it and stores one submission at the end."""

import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from galena.intake import quiz
from galena.intake.models import Form, Submission
from galena.leads.models import Lead

SOLAR = {
    "steps": [
        {
            "id": "goal",
            "question": "What matters most to you?",
            "type": "single",
            "options": [
                {"value": "save", "label": "Saving money", "next": "bill"},
                {"value": "green", "label": "Going green"},
            ],
            "next": "roof",
        },
        {"id": "bill", "question": "Your monthly power bill (EUR)?", "type": "number", "min": 0},
        {
            "id": "roof",
            "question": "Which roofs do you have?",
            "type": "multiple",
            "options": [
                {"value": "tile", "label": "Tiles"},
                {"value": "metal", "label": "Metal"},
                {"value": "flat", "label": "Flat"},
            ],
        },
        {"id": "note", "question": "Anything else?", "type": "text", "required": False},
    ]
}


@pytest.fixture
def solar():
    return quiz.load(SOLAR)


# --- definitions -------------------------------------------------------------------------


def test_a_good_definition_has_no_errors_and_loads_with_resolved_next_steps(solar):
    assert quiz.definition_errors(SOLAR) == []
    assert solar.start == "goal"
    assert [(s.id, s.next) for s in solar.steps.values()] == [
        ("goal", "roof"),
        ("bill", "roof"),
        ("roof", "note"),
        ("note", "end"),
    ]


def test_a_loop_is_refused_with_the_steps_named():
    definition = {
        "steps": [
            {"id": "a", "question": "A?", "type": "text", "next": "b"},
            {"id": "b", "question": "B?", "type": "text", "next": "a"},
        ]
    }

    assert quiz.definition_errors(definition) == [
        "Steps a → b → a form a loop: every path through a quiz must end."
    ]
    with pytest.raises(quiz.QuizDefinitionError):
        quiz.load(definition)


def test_a_loop_through_an_option_is_refused():
    definition = {
        "steps": [
            {"id": "a", "question": "A?", "type": "text"},
            {
                "id": "b",
                "question": "B?",
                "type": "single",
                "options": [
                    {"value": "x", "label": "X", "next": "a"},
                    {"value": "y", "label": "Y"},
                ],
            },
        ]
    }

    assert quiz.definition_errors(definition) == [
        "Steps a → b → a form a loop: every path through a quiz must end."
    ]


def test_unknown_step_ids_and_bad_steps_are_all_named():
    definition = {
        "start": "nowhere",
        "steps": [
            {"id": "a", "question": "A?", "type": "single", "options": [], "next": "zz"},
            {"id": "a", "question": "", "type": "slider"},
            {
                "id": "c",
                "question": "C?",
                "type": "single",
                "options": [{"value": "x", "label": "X", "next": "missing"}, {"value": "x"}],
            },
        ],
    }

    assert quiz.definition_errors(definition) == [
        "Step id 'a' is used twice.",
        "Step 'a' is a single choice: give it options to choose from.",
        "Step 'a': next 'zz' is not a step id.",
        "Step 'a' needs a question.",
        "Step 'a': type must be one of single, multiple, text, number (got 'slider').",
        "Step 'c', option 1: next 'missing' is not a step id.",
        "Step 'c': option value 'x' is used twice.",
        "Step 'c', option 2: label must be non-empty text.",
        "start 'nowhere' is not a step id.",
    ]


def test_a_step_no_answer_reaches_is_refused():
    definition = {
        "steps": [
            {"id": "a", "question": "A?", "type": "text", "next": "end"},
            {"id": "b", "question": "B?", "type": "text"},
        ]
    }

    assert quiz.definition_errors(definition) == [
        "No answer leads to step(s) b: link them or remove them."
    ]


@pytest.mark.parametrize(
    ("definition", "error"),
    [
        ([], 'A quiz is an object: {"steps": [...]}.'),
        ({}, 'A quiz needs "steps": a non-empty list of questions.'),
        ({"steps": ["a"]}, "Step 1 needs an id (short text, unique in the quiz)."),
        (
            {"steps": [{"id": "end", "question": "?", "type": "text"}]},
            'Step 1: "end" is reserved (it finishes the quiz).',
        ),
    ],
)
def test_malformed_definitions_say_what_to_write(definition, error):
    assert quiz.definition_errors(definition)[0] == error


def test_the_form_refuses_a_broken_quiz(source):
    form = Form(
        name="Quiz",
        slug="quiz",
        kind="quiz",
        source=source,
        quiz={"steps": [{"id": "a", "question": "A?", "type": "text", "next": "a"}]},
    )

    with pytest.raises(ValidationError) as refused:
        form.full_clean()

    assert refused.value.message_dict == {
        "quiz": ["Steps a → a form a loop: every path through a quiz must end."]
    }


def test_a_quiz_form_needs_a_quiz(source):
    form = Form(name="Quiz", slug="quiz", kind="quiz", source=source)

    with pytest.raises(ValidationError) as refused:
        form.full_clean()

    assert refused.value.message_dict == {
        "quiz": ['A quiz needs "steps": a non-empty list of questions.']
    }


# --- answers and branching --------------------------------------------------------------


def test_a_single_choice_branches_by_option(solar):
    goal = solar.step("goal")

    assert quiz.next_step_id(goal, "save") == "bill"
    assert quiz.next_step_id(goal, "green") == "roof"


@pytest.mark.parametrize(
    ("step_id", "raw", "message"),
    [
        ("goal", [], "Choose an answer."),
        ("goal", ["cheap"], "Choose one of the answers shown."),
        ("goal", ["save", "green"], "Choose one answer."),
        ("bill", ["a lot"], "Enter a number, e.g. 120."),
        ("bill", ["-5"], "Enter 0 or more."),
        ("bill", [""], "Enter a number."),
    ],
)
def test_invalid_answers_say_what_to_change(solar, step_id, raw, message):
    with pytest.raises(quiz.AnswerInvalid) as refused:
        quiz.validate_answer(solar.step(step_id), raw)

    assert refused.value.message == message


def test_valid_answers_are_normalised(solar):
    assert quiz.validate_answer(solar.step("goal"), ["save"]) == "save"
    assert quiz.validate_answer(solar.step("bill"), ["1 250,5"]) == 1250.5
    assert quiz.validate_answer(solar.step("bill"), ["120"]) == 120
    assert quiz.validate_answer(solar.step("roof"), ["flat", "tile"]) == ["tile", "flat"]
    assert quiz.validate_answer(solar.step("note"), ["  "]) is None


def test_the_path_follows_the_answers_and_ignores_answers_left_behind(solar):
    answers = {"goal": "green", "bill": 300, "roof": ["tile"]}

    assert quiz.path(solar, answers) == ["goal", "roof", "note"]
    assert quiz.next_unanswered(solar, answers) == "note"
    assert quiz.previous_step_id(solar, answers, "roof") == "goal"
    assert quiz.previous_step_id(solar, answers, "goal") is None


def test_progress_counts_the_longest_way_left_and_the_contact_page(solar):
    assert quiz.progress(solar, {}, "goal") == (1, 5)
    assert quiz.progress(solar, {"goal": "green"}, "roof") == (2, 4)
    assert quiz.progress(solar, {"goal": "save"}, "bill") == (2, 5)
    answers = {"goal": "save", "bill": 100, "roof": ["flat"], "note": None}
    assert quiz.progress(solar, answers, quiz.END) == (5, 5)


def test_answers_for_the_lead_are_the_questions_with_the_labels_chosen(solar):
    answers = {"goal": "save", "bill": 140, "roof": ["tile", "flat"], "note": None}

    assert quiz.answers_for_lead(solar, answers) == {
        "What matters most to you?": "Saving money",
        "Your monthly power bill (EUR)?": 140,
        "Which roofs do you have?": ["Tiles", "Flat"],
    }


# --- any quiz without loops ends ----------------------------------------------------------


@st.composite
def acyclic_quizzes(draw):
    """Random quizzes whose every edge goes forward (to a later step or the end)."""
    size = draw(st.integers(min_value=1, max_value=12))
    ids = [f"s{n}" for n in range(size)]

    def forward(index):
        later = ids[index + 1 :]
        return draw(st.one_of(st.none(), st.sampled_from([*later, "end"])))

    steps = []
    for index, step_id in enumerate(ids):
        kind = draw(st.sampled_from(quiz.STEP_TYPES))
        step = {"id": step_id, "question": f"Question {index}?", "type": kind}
        if kind in ("single", "multiple"):
            count = draw(st.integers(min_value=1, max_value=4))
            step["options"] = [
                {"value": f"o{n}", "label": f"Option {n}", "next": forward(index)}
                for n in range(count)
            ]
        if (target := forward(index)) is not None:
            step["next"] = target
        steps.append(step)
    return {"steps": steps}


def answer_for(step, data):
    if step.type == "single":
        return data.draw(st.sampled_from([o.value for o in step.options]))
    if step.type == "multiple":
        values = [o.value for o in step.options]
        return data.draw(st.lists(st.sampled_from(values), min_size=1, unique=True))
    if step.type == "number":
        return data.draw(st.integers(min_value=-1000, max_value=1000))
    return data.draw(st.text(min_size=1, max_size=10))


@settings(max_examples=200, deadline=None)
@given(definition=acyclic_quizzes())
def test_any_forward_only_quiz_is_accepted_or_only_refused_for_unreached_steps(definition):
    errors = quiz.definition_errors(definition)

    assert all(e.startswith("No answer leads to step(s)") for e in errors), errors


@settings(max_examples=200, deadline=None)
@given(definition=acyclic_quizzes(), data=st.data())
def test_walking_any_valid_quiz_always_ends_without_repeating_a_step(definition, data):
    if quiz.definition_errors(definition):
        return
    loaded = quiz.load(definition)
    answers = {}
    at = loaded.start
    visited = []
    while at != quiz.END:
        assert at not in visited
        visited.append(at)
        step = loaded.step(at)
        answers[at] = answer_for(step, data)
        number, total = quiz.progress(loaded, answers, at)
        assert 1 <= number <= total <= len(loaded.steps) + 1
        at = quiz.next_step_id(step, answers[at])
        assert len(visited) <= len(loaded.steps)
    assert quiz.is_complete(loaded, answers)
    assert quiz.path(loaded, answers) == visited
    assert quiz.progress(loaded, answers, quiz.END) == (len(visited) + 1, len(visited) + 1)


@st.composite
def any_graphs(draw):
    """Random text-only quizzes whose next steps may point anywhere, loops included."""
    size = draw(st.integers(min_value=1, max_value=8))
    ids = [f"s{n}" for n in range(size)]
    return {
        "steps": [
            {
                "id": step_id,
                "question": f"{step_id}?",
                "type": "text",
                "next": draw(st.sampled_from([*ids, "end"])),
            }
            for step_id in ids
        ]
    }


def reaches_itself(definition) -> bool:
    following = {s["id"]: s["next"] for s in definition["steps"]}
    for start in following:
        seen, at = set(), following[start]
        while at != "end" and at not in seen:
            if at == start:
                return True
            seen.add(at)
            at = following[at]
    return False


@settings(max_examples=300, deadline=None)
@given(definition=any_graphs())
def test_loops_are_found_exactly_when_there_are_loops(definition):
    errors = quiz.definition_errors(definition)

    has_loop_error = any("form a loop" in e for e in errors)
    assert has_loop_error == reaches_itself(definition)


# --- the hosted quiz page ---------------------------------------------------------------


@pytest.fixture
def quiz_form(source):
    return Form.objects.create(
        name="Is solar for you?",
        slug="solar-quiz",
        kind="quiz",
        channel="quiz",
        source=source,
        quiz=SOLAR,
        incentive="SUN-10",
        thank_you_message="Your discount code is below.",
        consent_text="You may contact me about solar panels.",
    )


def state_of(response) -> str:
    match = re.search(r'name="_state" value="([^"]+)"', response.content.decode())
    assert match, "no quiz state on the page"
    return match.group(1)


def step(client, response, **data):
    return client.post("/f/solar-quiz/", {"_state": state_of(response), **data})


def test_the_quiz_starts_with_its_first_question_and_a_progress_bar(client, quiz_form):
    response = client.get("/f/solar-quiz/?utm_source=facebook")

    html = response.content.decode()
    assert response.status_code == 200
    assert "What matters most to you?" in html
    assert 'type="radio" name="answer" value="save"' in html
    assert "Step 1 of 5" in html
    assert '<progress value="1" max="5"' in html
    assert 'value="back"' not in html


def test_a_quiz_with_branching_ends_with_one_submission_and_the_reward(
    client, quiz_form, commit_callbacks_run
):
    page = client.get("/f/solar-quiz/?utm_source=facebook&utm_campaign=june")
    page = step(client, page, answer="save", action="next")
    assert "Your monthly power bill (EUR)?" in page.content.decode()
    assert "Step 2 of 5" in page.content.decode()
    page = step(client, page, answer="140", action="next")
    assert "Which roofs do you have?" in page.content.decode()
    page = step(client, page, answer=["tile", "flat"], action="next")
    page = step(client, page, answer="", action="next")  # the optional last question
    assert "Almost done" in page.content.decode()
    assert Submission.objects.count() == 0  # nothing is written before the end

    done = step(
        client, page, name="Ana Marin", phone="0722123456", consent="on", action="finish", _hp=""
    )

    assert done.status_code == 200
    html = done.content.decode()
    assert "SUN-10" in html
    assert "Your discount code is below." in html
    submission = Submission.objects.get()
    assert submission.payload["quiz_answers"] == {
        "What matters most to you?": "Saving money",
        "Your monthly power bill (EUR)?": 140,
        "Which roofs do you have?": ["Tiles", "Flat"],
    }
    assert int(submission.payload["_ts"]) >= 0
    lead = Lead.objects.get()
    assert lead.attributes == {
        "quiz": {
            "What matters most to you?": "Saving money",
            "Your monthly power bill (EUR)?": 140,
            "Which roofs do you have?": ["Tiles", "Flat"],
        }
    }
    assert (lead.channel, lead.utm_source, lead.utm_campaign) == ("quiz", "facebook", "june")
    assert (
        lead.landing_page == "http://testserver/f/solar-quiz/?utm_source=facebook&utm_campaign=june"
    )


def test_the_other_branch_skips_the_bill_question(client, quiz_form):
    page = client.get("/f/solar-quiz/")
    page = step(client, page, answer="green", action="next")

    assert "Which roofs do you have?" in page.content.decode()
    assert "Step 2 of 4" in page.content.decode()


def test_an_invalid_answer_asks_the_same_question_again(client, quiz_form):
    page = client.get("/f/solar-quiz/")
    page = step(client, page, answer="save", action="next")

    again = step(client, page, answer="a lot", action="next")

    assert again.status_code == 400
    html = again.content.decode()
    assert "Your monthly power bill (EUR)?" in html
    assert '<p class="error" id="answer-error">Enter a number, e.g. 120.</p>' in html
    assert 'value="a lot"' in html
    assert Submission.objects.count() == 0


def test_back_returns_to_the_previous_question_with_its_answer(client, quiz_form):
    page = client.get("/f/solar-quiz/")
    page = step(client, page, answer="save", action="next")

    back = step(client, page, action="back")

    html = back.content.decode()
    assert "What matters most to you?" in html
    assert 'value="save" checked' in html


def test_changing_an_earlier_answer_drops_the_answers_of_the_branch_left(
    client, quiz_form, commit_callbacks_run
):
    page = client.get("/f/solar-quiz/")
    page = step(client, page, answer="save", action="next")
    page = step(client, page, answer="140", action="next")
    page = step(client, page, action="back")
    page = step(client, page, action="back")
    page = step(client, page, answer="green", action="next")
    page = step(client, page, answer="metal", action="next")
    page = step(client, page, answer="South-facing", action="next")

    step(client, page, name="Ana", phone="0722123456", action="finish")

    assert Lead.objects.get().attributes["quiz"] == {
        "What matters most to you?": "Going green",
        "Which roofs do you have?": ["Metal"],
        "Anything else?": "South-facing",
    }


def test_missing_contacts_keep_the_visitor_on_the_last_step_and_store_nothing(client, quiz_form):
    page = client.get("/f/solar-quiz/")
    for answer in ("green", "metal", ""):
        page = step(client, page, answer=answer, action="next")

    refused = step(client, page, name="", phone="12", action="finish")

    assert refused.status_code == 400
    html = refused.content.decode()
    assert '<p class="error" id="field-name-error">This field is required.</p>' in html
    assert 'name="phone" value="12"' in html
    assert "Almost done" in html
    assert Submission.objects.count() == 0


def test_a_forged_state_starts_the_quiz_again(client, quiz_form):
    response = client.post("/f/solar-quiz/", {"_state": "forged", "action": "finish", "name": "X"})

    html = response.content.decode()
    assert "Your answers have expired, please start again." in html
    assert "What matters most to you?" in html
    assert Submission.objects.count() == 0


def test_a_quiz_broken_in_the_database_says_it_is_being_updated(client, quiz_form):
    Form.objects.filter(pk=quiz_form.pk).update(quiz={"steps": []})

    response = client.get("/f/solar-quiz/")

    assert response.status_code == 503
    assert "This quiz is being updated" in response.content.decode()
