-- dixian schema v19 (SQLite): 乡村振兴重点帮扶县 — the lists of key
-- assistance counties (national and each province's own), adjusted over
-- time: a county leaves a list by its removed day, never by deletion.
-- Append-only: never edit after it lands.

CREATE TABLE key_counties (
    id          INTEGER PRIMARY KEY,
    county_code TEXT NOT NULL,               -- 6 digits, checked against regions by the import
    level       TEXT NOT NULL,               -- national, provincial
    list_year   INTEGER NOT NULL,            -- the year of the list (e.g. 2021)
    source      TEXT NOT NULL,               -- the file (or shipped list) it came from
    added_on    TEXT NOT NULL,
    removed_on  TEXT                          -- NULL while on the list
);
CREATE UNIQUE INDEX key_counties_one ON key_counties(county_code, level, list_year);
