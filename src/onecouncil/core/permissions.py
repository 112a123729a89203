"""Who may do what: one table, read by every staff page, API and test (docs/permissions.md)."""

from __future__ import annotations

from enum import StrEnum

from onecouncil.core.models import Role


class Permission(StrEnum):
    VIEW_CASES = "view_cases"
    VIEW_PERSONAL_DATA = "view_personal_data"
    CREATE_ON_BEHALF = "create_on_behalf"
    ASSIGN = "assign"
    CHANGE_STATUS = "change_status"
    PUBLIC_UPDATE = "public_update"
    INTERNAL_NOTE = "internal_note"
    MARK_DUPLICATE = "mark_duplicate"
    BULK_CHANGE = "bulk_change"
    EXPORT_CSV = "export_csv"
    VIEW_AUDIT = "view_audit"
    MANAGE_STAFF = "manage_staff"
    DATA_PROTECTION = "data_protection"
    VIEW_INSIGHT = "view_insight"
    PUBLISH_OPEN_DATA = "publish_open_data"
    CHANGE_SERVICE = "change_service"
    MANAGE_TRIAGE = "manage_triage"
    SINGLE_VIEW = "single_view"
    MANAGE_SOURCES = "manage_sources"


_WORK = {
    Permission.VIEW_CASES,
    Permission.SINGLE_VIEW,
    Permission.VIEW_PERSONAL_DATA,
    Permission.ASSIGN,
    Permission.CHANGE_STATUS,
    Permission.CHANGE_SERVICE,
    Permission.PUBLIC_UPDATE,
    Permission.INTERNAL_NOTE,
    Permission.MARK_DUPLICATE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADVISER: frozenset(
        {
            Permission.VIEW_CASES,
            Permission.VIEW_PERSONAL_DATA,
            Permission.SINGLE_VIEW,
            Permission.CREATE_ON_BEHALF,
            Permission.INTERNAL_NOTE,
        }
    ),
    Role.CASE_OFFICER: frozenset(_WORK | {Permission.CREATE_ON_BEHALF}),
    Role.TEAM_LEADER: frozenset(
        _WORK
        | {
            Permission.CREATE_ON_BEHALF,
            Permission.BULK_CHANGE,
            Permission.EXPORT_CSV,
            Permission.VIEW_INSIGHT,
        }
    ),
    Role.SERVICE_MANAGER: frozenset(
        _WORK
        | {
            Permission.CREATE_ON_BEHALF,
            Permission.BULK_CHANGE,
            Permission.EXPORT_CSV,
            Permission.VIEW_INSIGHT,
        }
    ),
    Role.ADMINISTRATOR: frozenset(set(Permission)),
    # Read-only, limited to their wards; reporters' personal data only with consent.
    Role.COUNCILLOR: frozenset({Permission.VIEW_CASES, Permission.VIEW_INSIGHT}),
    # Registers the council's source systems, imports their extracts and works the
    # linkage review queue (docs/linkage.md); reads the single view.
    Role.DATA_OFFICER: frozenset(
        {
            Permission.VIEW_CASES,
            Permission.VIEW_PERSONAL_DATA,
            Permission.SINGLE_VIEW,
            Permission.MANAGE_SOURCES,
        }
    ),
}


def role_has(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())
