"""The records statements are made of: versions hashed and append-only, variants within
their channel's limit, the shipped approval policies."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from comms.choices import StatementKind
from comms.models import (
    AppendOnlyError,
    ApprovalPolicy,
    StatementVersion,
    content_hash,
    variant_problems,
)
from crisis.choices import Severity
from tests.comms.factories import StatementVersionFactory

pytestmark = pytest.mark.django_db


def test_hash_covers_every_content_field_and_variants_in_any_order():
    base = {"what_happened": "A recall.", "body": "Text", "variants": {"sms": "a", "social": "b"}}
    same = {"body": "Text", "what_happened": "A recall.", "variants": {"social": "b", "sms": "a"}}
    assert content_hash(base) == content_hash(same)
    assert len(content_hash(base)) == 64
    assert content_hash(base) != content_hash({**base, "variants": {"sms": "a"}})
    assert content_hash(base) != content_hash({**base, "why": "Supplier fault."})


def test_variant_over_its_channel_limit_is_named():
    assert variant_problems({"social": "x" * 280, "sms": "y" * 160}) == {}
    problems = variant_problems({"sms": "y" * 161, "social": "ok"})
    assert list(problems) == ["variants.sms"]
    assert "160" in problems["variants.sms"][0]
    assert list(variant_problems({"fax": "hello"})) == ["variants.fax"]


def test_versions_are_never_changed_or_deleted_through_the_orm():
    version = StatementVersionFactory()
    version.body = "Changed"
    with pytest.raises(AppendOnlyError):
        version.save()
    with pytest.raises(AppendOnlyError):
        version.delete()
    with pytest.raises(AppendOnlyError):
        StatementVersion.objects.filter(pk=version.pk).update(body="Changed")
    with pytest.raises(AppendOnlyError):
        StatementVersion.objects.filter(pk=version.pk).delete()
    assert StatementVersion.objects.get(pk=version.pk).body != "Changed"


@pytest.mark.parametrize("table", ["comms_statementversion", "comms_approvaldecision",
                                   "comms_statementcomment"])
def test_the_database_refuses_to_change_append_only_rows(table):
    version = StatementVersionFactory()
    from tests.comms.factories import ApprovalDecisionFactory, StatementCommentFactory

    row = {"comms_statementversion": version,
           "comms_approvaldecision": ApprovalDecisionFactory(version=version),
           "comms_statementcomment": StatementCommentFactory(version=version)}[table]
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET created_at = created_at WHERE id = %s",  # noqa: S608
                       [row.pk])


def test_a_version_number_is_used_once_per_statement():
    version = StatementVersionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementVersionFactory(statement=version.statement, number=version.number)


def test_version_clean_names_the_variant_over_its_limit():
    version = StatementVersionFactory.build(variants={"social": "x" * 281})
    with pytest.raises(ValidationError) as refused:
        version.clean()
    assert "variants.social" in refused.value.message_dict


@pytest.mark.parametrize(("kind", "severity", "policy", "stages"), [
    (StatementKind.INTERNAL_MEMO, Severity.CRITICAL, "Internal memo: the incident lead",
     ["Incident lead"]),
    (StatementKind.REGULATOR_NOTICE, Severity.LOW,
     "Regulator notice: legal, then the executive sponsor", ["Legal review", "Executive sponsor"]),
    (StatementKind.HOLDING, Severity.HIGH,
     "Public on a high or critical incident: legal, then the executive sponsor",
     ["Legal review", "Executive sponsor"]),
    (StatementKind.SOCIAL_POST, Severity.MEDIUM, "Public: legal", ["Legal review"]),
])
def test_shipped_policies_pick_stages_by_kind_audience_and_severity(kind, severity, policy,
                                                                    stages):
    matching = [p for p in ApprovalPolicy.objects.prefetch_related("stages")
                if p.matches(kind=kind, severity=severity)]
    assert matching[0].name == policy
    assert [stage.name for stage in matching[0].stages.all()] == stages
    assert all(stage.capability_id and stage.roles.exists() for stage in matching[0].stages.all())
