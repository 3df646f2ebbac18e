-- Version 2 of the embedded library system's --db file (version 1 is schema.sql).

-- A patron's postal address, one line, sent as BD.
ALTER TABLE patron ADD COLUMN address TEXT NOT NULL DEFAULT '';

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

-- Per SIP2 login: each ended connection's last answered change, so that a request resent byte
-- for byte on a new connection (or after a restart) is answered, not done again
-- (kiosk/acs/resends.py).
CREATE TABLE IF NOT EXISTS sip2_resends (
    account    TEXT NOT NULL,
    connection TEXT NOT NULL,
    item       TEXT NOT NULL,
    request    BLOB NOT NULL,
    response   BLOB NOT NULL,
    at         REAL NOT NULL,
    PRIMARY KEY (account, connection)
);
CREATE INDEX IF NOT EXISTS sip2_resends_request ON sip2_resends (account, request);
