-- The consortium model of the embedded library system (SQLite).
-- Money in integer cents, times as ISO 8601 local time text ("2026-11-22T14:03:00").
-- An item's status is kept consistent with the loan/hold/transit rows by kiosk/acs/circulation.py:
-- status 'on_loan' <=> a row in loan; 'in_transit' <=> transit_to is set;
-- 'on_hold_shelf' <=> a hold in state 'ready' names the item.

CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS library (
    code TEXT PRIMARY KEY,
    isil TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS branch (
    code TEXT PRIMARY KEY,
    library TEXT NOT NULL REFERENCES library(code),
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS sort_rule (
    branch TEXT NOT NULL REFERENCES branch(code),
    position INTEGER NOT NULL,
    outcome TEXT,
    media_type TEXT,
    destination_library TEXT,
    collection TEXT,
    bin TEXT NOT NULL,
    PRIMARY KEY (branch, position)
);

CREATE TABLE IF NOT EXISTS loan_rule (
    library TEXT NOT NULL,
    media_type TEXT NOT NULL,
    loan_days INTEGER NOT NULL,
    renewals INTEGER NOT NULL,
    max_loans INTEGER NOT NULL,
    loan_fee INTEGER NOT NULL,
    overdue_fee_per_day INTEGER NOT NULL,
    loanable INTEGER NOT NULL,
    PRIMARY KEY (library, media_type)
);

CREATE TABLE IF NOT EXISTS patron (
    barcode TEXT PRIMARY KEY,
    pin TEXT NOT NULL,
    name TEXT NOT NULL,
    home_branch TEXT NOT NULL REFERENCES branch(code),
    language TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    blocked TEXT,
    card_lost INTEGER NOT NULL,
    expires TEXT,
    address TEXT NOT NULL DEFAULT ''   -- one line, sent as BD
);

CREATE TABLE IF NOT EXISTS patron_card (
    uid TEXT PRIMARY KEY,
    patron TEXT NOT NULL REFERENCES patron(barcode)
);
CREATE INDEX IF NOT EXISTS patron_card_by_patron ON patron_card(patron);

CREATE TABLE IF NOT EXISTS item (
    barcode TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    title TEXT NOT NULL,
    author TEXT NOT NULL,
    language TEXT NOT NULL,
    media_type TEXT NOT NULL,
    owner TEXT NOT NULL REFERENCES library(code),
    home_branch TEXT NOT NULL REFERENCES branch(code),
    location TEXT NOT NULL REFERENCES branch(code),
    collection TEXT NOT NULL,
    call_number TEXT NOT NULL,
    parts INTEGER NOT NULL,
    floating INTEGER NOT NULL,
    status TEXT NOT NULL,
    transit_to TEXT REFERENCES branch(code),
    properties TEXT NOT NULL DEFAULT '',
    tag_model TEXT NOT NULL,
    tag_usage INTEGER NOT NULL,
    offline_loan INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS item_by_record ON item(record);

CREATE TABLE IF NOT EXISTS loan (
    item TEXT PRIMARY KEY REFERENCES item(barcode),   -- one loan per item, ever at a time
    patron TEXT NOT NULL REFERENCES patron(barcode),
    branch TEXT NOT NULL REFERENCES branch(code),
    loaned TEXT NOT NULL,
    due TEXT NOT NULL,
    renewals INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS loan_by_patron ON loan(patron);

CREATE TABLE IF NOT EXISTS hold (
    id INTEGER PRIMARY KEY,
    patron TEXT NOT NULL REFERENCES patron(barcode),
    record TEXT NOT NULL,
    pickup TEXT NOT NULL REFERENCES branch(code),
    placed TEXT NOT NULL,
    state TEXT NOT NULL,            -- waiting | in_transit | ready
    item TEXT UNIQUE REFERENCES item(barcode),
    expires TEXT
);
CREATE INDEX IF NOT EXISTS hold_by_record ON hold(record, state, id);
CREATE INDEX IF NOT EXISTS hold_by_patron ON hold(patron);

CREATE TABLE IF NOT EXISTS fee (
    id INTEGER PRIMARY KEY,
    patron TEXT NOT NULL REFERENCES patron(barcode),
    amount INTEGER NOT NULL,
    paid INTEGER NOT NULL DEFAULT 0,
    type TEXT NOT NULL,
    item TEXT,
    description TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fee_by_patron ON fee(patron);

CREATE TABLE IF NOT EXISTS account (
    login TEXT PRIMARY KEY,
    password TEXT NOT NULL,
    branch TEXT NOT NULL REFERENCES branch(code),
    location_code TEXT NOT NULL,
    charset TEXT NOT NULL,
    error_detection INTEGER NOT NULL,
    terminator TEXT NOT NULL,
    timeout_seconds REAL NOT NULL,
    retries INTEGER NOT NULL
);

-- Wrong secrets in a row per subject (kind 'pin': a patron's barcode; 'login': a SIP2 account),
-- and the end of a lock; last_wrong is a digest keyed per process (kiosk/acs/lockout.py).
CREATE TABLE IF NOT EXISTS lockout (
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    failures INTEGER NOT NULL,
    locked_until TEXT,
    last_wrong BLOB,
    PRIMARY KEY (kind, subject)
);

-- Every circulation change, for staff and for tests that prove nothing was lost or doubled.
CREATE TABLE IF NOT EXISTS circulation_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    account TEXT NOT NULL,
    branch TEXT NOT NULL,
    action TEXT NOT NULL,           -- checkout | renew | checkin | hold | hold_cancel | fee_paid ...
    item TEXT,
    patron TEXT,
    ok INTEGER NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS circulation_log_by_item ON circulation_log(item);
