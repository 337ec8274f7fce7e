"""Roles are groups holding the permissions accounts/roles.py lists; a role change moves the
group with it."""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import Role
from accounts.roles import GROUP_PERMISSIONS, role_can, sync_role_groups
from accounts.services import staff_set_role
from tests.factories import UserFactory


def group_permissions(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.parametrize("role", Role.values)
def test_each_role_is_a_group_holding_exactly_its_permissions_after_migrate(db, role):
    group = Group.objects.get(name=Role(role).label)

    assert group_permissions(group) == set(GROUP_PERMISSIONS[role])


def test_every_permission_a_role_lists_exists(db):
    """sync_role_groups skips a permission it cannot find: a typo would silently give a
    role less than it needs."""
    existing = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    for role, perms in GROUP_PERMISSIONS.items():
        assert set(perms) <= existing, f"{role}: {sorted(set(perms) - existing)}"


def test_syncing_the_groups_again_changes_nothing(db):
    before = {g.name: group_permissions(g) for g in Group.objects.filter(name__in=Role.labels)}

    sync_role_groups()

    assert {g.name: group_permissions(g) for g in Group.objects.filter(name__in=Role.labels)} == before


def test_a_role_change_moves_the_member_of_staff_to_the_new_group_only(db):
    user = UserFactory(handler=True)
    assert user.has_perm("incidents.add_incident")

    staff_set_role(user=user, role=Role.TRAINER)

    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == ["Trainer"]
    user = type(user).objects.get(pk=user.pk)  # a fresh permission cache
    assert user.has_perm("thrive.add_promptset")
    assert not user.has_perm("incidents.add_incident")


def test_only_the_administrator_role_reaches_the_django_admin(db):
    assert not UserFactory(supervisor=True).is_staff
    admin = UserFactory(handler=True)
    staff_set_role(user=admin, role=Role.ADMIN)
    assert admin.is_staff


def test_capabilities_follow_the_role(db):
    handler, trainer, analyst = UserFactory(handler=True), UserFactory(trainer=True), UserFactory(analyst=True)
    assert role_can(handler, "work_incidents")
    assert not role_can(handler, "edit_prompts")
    assert role_can(trainer, "edit_prompts")
    assert not role_can(trainer, "work_incidents")
    assert role_can(analyst, "view_dashboards")
    assert not role_can(analyst, "work_incidents")


def test_a_supervisor_holds_every_permission_a_call_handler_holds():
    """PRODUCT.md: a supervisor sees everything a handler sees, for their team."""
    assert set(GROUP_PERMISSIONS[Role.CALL_HANDLER]) <= set(GROUP_PERMISSIONS[Role.SUPERVISOR])
