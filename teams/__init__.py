"""People and organisation: users, departments, and (later) roles on incidents."""
