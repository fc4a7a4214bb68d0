"""Partners and referrers as accounts (#23 items 1–2, the ground): an organisation, no team, no staff role;
a named group member linked to a partner account; and what the consent lets that organisation see, read
the same way by every caller (``store.partners`` over ``rules.partner``). On both engines."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

import cli
from cli.users import ROLES as CLI_ROLES
from rules.partner import categories_for, is_member_on, sees_event, views_for
from store import cases, transaction
from store.access import ROLES
from store.cases.consent import consent_rows
from store.models import Member, Subject
from store.partners import membership_of, memberships
from store.users import UserError, add_user

from .actors import SETUP

TODAY = date(2026, 6, 1)


def test_consent_categories_reach_an_organisation_only_while_active():
    police = (["polis", "skola"], ["plan", "police"], date(2026, 1, 1), date(2026, 12, 31), None)
    expired = (["polis"], ["assessment"], date(2025, 1, 1), date(2025, 12, 31), None)
    withdrawn = (["skola"], ["assessment"], date(2026, 1, 1), date(2026, 12, 31), date(2026, 5, 1))
    rows = [police, expired, withdrawn]
    assert categories_for("police", rows, TODAY) == {"plan", "police"}
    assert categories_for("school", rows, TODAY) == {"plan", "police"}  # the withdrawn one no longer counts
    assert categories_for("school", rows, date(2026, 4, 30)) == {"plan", "police", "assessment"}
    assert categories_for("leisure", rows, TODAY) == frozenset()
    assert categories_for("other", rows, TODAY) == frozenset()  # no consent can name "other"
    assert categories_for("police", rows, date(2027, 1, 1)) == frozenset()
    assert views_for(frozenset({"plan"})) == {"plan", "meetings", "commitments", "events"}
    assert views_for(frozenset({"assessment"})) == {"assessment_summary"}
    assert sees_event("police_report", frozenset({"police"})) and not sees_event("police_report", frozenset({"plan"}))
    assert is_member_on(None, None, TODAY) and not is_member_on(date(2026, 6, 2), None, TODAY)
    assert is_member_on(None, TODAY, TODAY) and not is_member_on(None, date(2026, 5, 31), TODAY)


def test_the_cli_offers_the_roles_the_store_knows():
    assert CLI_ROLES == ROLES


@pytest.fixture
def group(engine):
    """SIG-P1 with a police officer and a teacher, both with accounts; a consent for the police only."""
    with transaction(engine) as s:
        add_user(s, SETUP, "sam", display_name="Sam", roles=["coordinator"], teams=["Standard"])
        add_user(s, SETUP, "pia.polis", display_name="Pia", roles=["partner"], organisation="police")
        add_user(s, SETUP, "stig.skola", display_name="Stig", roles=["partner"], organisation="school")
        subject = cases.create_subject(s, SETUP, case_code="SIG-P1")
        s.flush()
        cases.add_member(s, SETUP, subject, "Pia Polis", "police", from_on=date(2026, 1, 1))
        cases.add_member(s, SETUP, subject, "Stig Skola", "school", from_on=date(2026, 1, 1), to_on=date(2026, 5, 1))
        cases.add_consent(s, SETUP, subject, signed_on=date(2026, 1, 10), signed_by=["youth"],
                          valid_until=date(2026, 12, 31), actors=["polis", "skola"], categories=["plan"])
    return engine


def test_a_partner_account_needs_an_organisation_and_no_team(engine):
    with transaction(engine) as s:
        for roles, kwargs, code in ((["partner"], {}, "user.organisation"),
                                    (["partner"], {"organisation": "field_workers"}, "user.organisation"),
                                    (["partner", "assessor"], {"organisation": "police"}, "user.outside_roles"),
                                    (["partner"], {"organisation": "police", "teams": ["Standard"]},
                                     "user.outside_team"),
                                    (["assessor"], {"organisation": "police"}, "user.organisation_unused")):
            with pytest.raises(UserError) as refused:
                add_user(s, SETUP, "x", display_name="X", roles=roles, **kwargs)
            assert refused.value.code == code, (roles, kwargs)
        add_user(s, SETUP, "rut.remiss", display_name="Rut", roles=["referrer"], organisation="field_workers")


def test_a_linked_member_sees_what_the_consent_gives_their_organisation_while_a_member(group, capsys):
    with transaction(group) as s:
        sam = cli_actor(s, "sam")
        subject = s.scalar(select(Subject).where(Subject.case_code == "SIG-P1"))
        cases.link_member(s, sam, subject, "Pia Polis", "pia.polis")
        with pytest.raises(cases.CaseError) as wrong:  # a police account for the school's member
            cases.link_member(s, sam, subject, "Stig Skola", "pia.polis")
        assert wrong.value.code == "member.other_organisation"
        cases.link_member(s, sam, subject, "Stig Skola", "stig.skola")
        pia = s.scalar(select(Member.user_id).where(Member.name == "Pia Polis"))
        [found] = memberships(s, TODAY, user_id=pia)
        assert found.organisation == "police" and found.categories == {"plan"}
        assert found.views == {"plan", "meetings", "commitments", "events"}
        stig = s.scalar(select(Member.user_id).where(Member.name == "Stig Skola"))
        assert membership_of(s, stig, subject.id, TODAY) is None  # his membership ended on 1 May
        assert membership_of(s, stig, subject.id, date(2026, 4, 1)).categories == {"plan"}
        cases.withdraw_consent(s, SETUP, consent_rows(s, subject.id)[0], date(2026, 5, 20))
        assert membership_of(s, pia, subject.id, TODAY).categories == frozenset()  # still a member, sees nothing


def cli_actor(s, login):
    from store.users import actor_for

    return actor_for(s, login)


def test_members_link_and_import_by_login_through_the_cli(group, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("INSATS_DATABASE_URL", group.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INSATS_TODAY", TODAY.isoformat())
    assert cli.main(["--as", "sam", "members", "link", "SIG-P1", "--member", "Pia Polis", "--user", "pia.polis"]) == 0
    assert cli.main(["--as", "sam", "members", "link", "SIG-P1", "--member", "Nobody", "--user", "pia.polis"]) == 2
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text("case_code,name,organisation,role,from,to,login\n"
                   "SIG-P1,Lisa Fritid,leisure,ledare,2026-02-01,,pia.polis\n"
                   "SIG-P1,Per Polis,police,,2026-02-01,,sam\n", encoding="utf-8")
    assert cli.main(["--as", "sam", "members", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "row 2" in err and "a partner account of leisure" in err and "row 3" in err
    with transaction(group) as s:
        assert s.scalar(select(Member.id).where(Member.name == "Per Polis")) is None  # nothing imported
    good = tmp_path / "good.csv"
    good.write_text("case_code,name,organisation,role,from,to,login\n"
                    "SIG-P1,Per Polis,police,,2026-02-01,,pia.polis\n", encoding="utf-8")
    assert cli.main(["--as", "sam", "members", "import", str(good)]) == 0
    with transaction(group) as s:
        linked = s.scalars(select(Member.name).where(Member.user_id.is_not(None)).order_by(Member.name)).all()
    assert linked == ["Per Polis", "Pia Polis"]
    assert cli.main(["--as", "sam", "users", "add", "lo.fritid", "--name", "Lo", "--role", "partner",
                     "--organisation", "leisure"]) == 2  # a coordinator manages no users
