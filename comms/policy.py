"""Which approval stages a statement goes through, and where its review stands.

The stages are chosen at submission (``stages_for``) and copied onto the statement
(``ReviewStage`` rows of its review round), so a policy edited mid-review never changes a
running review. Stages run in order; a stage marked parallel runs alongside the one
before it (together they form a *group*); a group is done when each of its stages has
the approvals it needs on the current version.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .choices import Decision
from .models import ApprovalDecision, ApprovalPolicy, ReviewStage, Statement


@dataclass(frozen=True)
class StageSpec:
    name: str
    role_codes: list[str]
    capability: str
    approvals_needed: int
    sla_minutes: int
    parallel_with_previous: bool
    policy_name: str = ""


def stages_for(statement: Statement) -> list[StageSpec] | None:
    """The stages ``statement`` needs now (None when no policy applies). A correction or
    retraction takes the stages its corrected statement was approved through."""
    if statement.corrects_id:
        corrected = statement.corrects
        return [StageSpec(s.name, list(s.role_codes), s.capability, s.approvals_needed,
                          s.sla_minutes, s.parallel_with_previous, s.policy_name)
                for s in corrected.review_stages.filter(round=corrected.review_round)] or None
    policies = (ApprovalPolicy.objects.filter(is_active=True)
                .prefetch_related("stages__roles", "stages__capability"))
    for policy in policies:
        if policy.matches(kind=statement.kind, severity=statement.incident.severity):
            return [StageSpec(stage.name, sorted(role.code for role in stage.roles.all()),
                              stage.capability.name if stage.capability else "",
                              stage.approvals_needed, stage.sla_minutes,
                              stage.parallel_with_previous, policy.name)
                    for stage in policy.stages.all()] or None
    return None


def groups(stages: list) -> list[list]:
    """Stages in order, those running in parallel with the one before them grouped."""
    grouped: list[list] = []
    for stage in stages:
        if grouped and stage.parallel_with_previous:
            grouped[-1].append(stage)
        else:
            grouped.append([stage])
    return grouped


def due_times(stages: list, start: datetime) -> list[datetime]:
    """Each stage's SLA deadline, counted from ``start`` (the submission): a group starts
    when the group before it is due."""
    due, group_start = [], start
    for group in groups(stages):
        ends = [group_start + timedelta(minutes=stage.sla_minutes) for stage in group]
        due.extend(ends)
        group_start = max(ends)
    return due


@dataclass
class Progress:
    """Where the current review round stands on the current version."""

    stages: list[ReviewStage]
    approvals: dict[int, set[int]] = field(default_factory=dict)  # stage id -> deciders
    decided: dict[int, set[int]] = field(default_factory=dict)  # stage id -> any decision

    def is_complete(self, stage: ReviewStage) -> bool:
        return len(self.approvals.get(stage.pk, ())) >= stage.approvals_needed

    @property
    def open_stages(self) -> list[ReviewStage]:
        """The stages of the first unfinished group that still need approvals."""
        for group in groups(self.stages):
            waiting = [stage for stage in group if not self.is_complete(stage)]
            if waiting:
                return waiting
        return []

    @property
    def all_complete(self) -> bool:
        return bool(self.stages) and not self.open_stages


def review_progress(statement: Statement) -> Progress:
    stages = list(ReviewStage.objects.filter(statement=statement, round=statement.review_round)
                  .order_by("position"))
    progress = Progress(stages=stages)
    if not stages:
        return progress
    decisions = ApprovalDecision.objects.filter(
        stage__in=stages, version__statement=statement,
        version__number=statement.current_version).values_list("stage_id", "decider_id",
                                                                "decision")
    for stage_id, decider_id, decision in decisions:
        progress.decided.setdefault(stage_id, set()).add(decider_id)
        if decision == Decision.APPROVE:
            progress.approvals.setdefault(stage_id, set()).add(decider_id)
    return progress
