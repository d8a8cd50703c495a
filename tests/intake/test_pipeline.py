"""The stage runner: order, stopping, per-submission failures, prepare at the edge."""

from django.utils import timezone

from galena.intake.contract import Action, Decision, ParsedSubmission, Reason
from galena.intake.pipeline import run_stages


def parsed(n):
    return ParsedSubmission(channel="landing_page", received_at=timezone.now(), submission_id=n)


def tag(label):
    def stage(decision, context):
        decision.parsed.attributes.setdefault("seen", []).append(label)
        return decision

    stage.__name__ = label
    return stage


def test_stages_run_in_order_on_every_submission():
    decisions = run_stages([parsed(1), parsed(2)], [tag("a"), tag("b")])

    assert [d.parsed.attributes["seen"] for d in decisions] == [["a", "b"], ["a", "b"]]
    assert all(d.action == Action.CREATE and not d.error for d in decisions)


def test_a_final_decision_stops_the_road_for_that_submission_only():
    def reject_first(decision, context):
        if decision.parsed.submission_id == 1:
            reason = Reason(stage="test", code="bot", message="Honeypot filled")
            return decision.but(action=Action.REJECT, final=True, reasons=[reason])
        return decision

    decisions = run_stages([parsed(1), parsed(2)], [reject_first, tag("after")])

    assert decisions[0].action == Action.REJECT
    assert "seen" not in decisions[0].parsed.attributes
    assert decisions[1].parsed.attributes["seen"] == ["after"]


def test_a_stage_failing_on_one_submission_fails_that_one_only():
    def fragile(decision, context):
        if decision.parsed.submission_id == 2:
            raise RuntimeError("boom")
        return decision

    decisions = run_stages([parsed(1), parsed(2), parsed(3)], [fragile, tag("after")])

    assert [bool(d.error) for d in decisions] == [False, True, False]
    assert "RuntimeError: boom" in decisions[1].error
    assert "fragile" in decisions[1].error
    assert "seen" not in decisions[1].parsed.attributes
    assert decisions[2].parsed.attributes["seen"] == ["after"]


def test_prepare_runs_once_per_batch_and_its_context_reaches_the_stage():
    calls = []

    def stage(decision, context):
        decision.parsed.attributes["known"] = decision.parsed.submission_id in context
        return decision

    def prepare(decisions):
        calls.append(len(decisions))
        return {1}

    stage.prepare = prepare

    decisions = run_stages([parsed(1), parsed(2)], [stage])

    assert calls == [2]
    assert [d.parsed.attributes["known"] for d in decisions] == [True, False]


def test_no_stages_configured_means_create():
    (decision,) = run_stages([parsed(1)], [])
    assert decision == Decision(parsed=decision.parsed)
