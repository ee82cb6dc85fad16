"""Reminders, by audience; import the module you need (this package re-exports nothing).

- settings.py: the user's own reminder settings (GET/PUT /v1/me/reminders).
- schedule.py: the materialised `reminders` table and keeping it current: `refresh_user` after
  any input changes (routine_changes.inputs_changed), `materialise` and `prune` for the cron
  job (app.cli), and the title, body and stable id the calendar feed shares.
- feed.py: the due feed, claims (leases) and acks, for push schedulers.

settings -> schedule -> routines; feed reads only the table.
"""
