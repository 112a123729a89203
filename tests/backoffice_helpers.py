from django.contrib.auth import get_user_model

from onecouncil.core.models import Membership, Role

PASSWORD = "correct-horse-battery-staple"


def staff(council, role, username=None, teams=(), ward_codes=()):
    user = get_user_model().objects.create_user(
        username or f"{role}@{council.slug}.example", password=PASSWORD, first_name=role.title()
    )
    membership = Membership.objects.create(
        council=council, user=user, role=role, ward_codes=list(ward_codes)
    )
    membership.teams.set(teams)
    return user


ALL_ROLES = list(Role)
