"""Staff of a council: inviting people, their roles, teams and wards, and who reaches the
staff admin. The only writer of ``core.Membership`` outside migrations and the demo."""
