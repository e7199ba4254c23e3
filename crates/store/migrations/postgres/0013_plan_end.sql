-- dixian schema v13 (PostgreSQL): the day a plan (一户一策) ended. A plan
-- closes when its case's risk is eliminated (the county's approval day,
-- China time); a rollback or a re-entry of the same case reopens it as a
-- new draft and clears the day. NULL while the plan is open. Append-only:
-- never edit after it lands.
ALTER TABLE plans ADD COLUMN ends_on DATE;
