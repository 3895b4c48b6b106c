import Foundation
import GRDB
import Model

/// Schema changes, only through GRDB's `DatabaseMigrator` (DESIGN.md §4). Never edit a shipped migration:
/// add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-cases-events-drafts") { db in
            try db.execute(sql: """
                CREATE TABLE meta (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                ) STRICT;

                -- One case per child and concern, from intake to closure.
                CREATE TABLE case_record (
                    id TEXT PRIMARY KEY NOT NULL,              -- UUID
                    case_number TEXT NOT NULL UNIQUE,          -- KG-2026-0042
                    number_year INTEGER NOT NULL,
                    number_serial INTEGER NOT NULL,
                    device_id TEXT NOT NULL,
                    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
                    created_at TEXT NOT NULL,                  -- UTC ISO 8601
                    updated_at TEXT NOT NULL,
                    last_activity_at TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('open','closed','transferred','duplicate')),
                    urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0,1)),
                    risk_level TEXT CHECK (risk_level IN ('high','medium','low')),
                    child_name TEXT NOT NULL,                  -- NFC
                    sex TEXT NOT NULL CHECK (sex IN ('female','male','unknown')),
                    date_of_birth TEXT,                        -- YYYY-MM-DD, a date, never shifted
                    approx_age INTEGER CHECK (approx_age BETWEEN 0 AND 17),
                    age_recorded_on TEXT,                      -- YYYY-MM-DD
                    village TEXT NOT NULL,
                    caregiver TEXT NOT NULL,
                    report_json TEXT NOT NULL,                 -- the guided report as saved
                    source_draft_id TEXT UNIQUE                -- makes saving a draft idempotent
                ) STRICT;
                CREATE INDEX case_by_activity ON case_record(last_activity_at, number_year, number_serial);
                CREATE INDEX case_by_status ON case_record(status, urgent);

                CREATE TABLE case_concern (
                    case_id TEXT NOT NULL REFERENCES case_record(id) ON DELETE CASCADE,
                    concern TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    PRIMARY KEY (case_id, concern)
                ) STRICT;
                CREATE INDEX concern_by_id ON case_concern(concern);
                CREATE INDEX concern_by_case_position ON case_concern(case_id, position);

                CREATE TABLE case_event (
                    id TEXT PRIMARY KEY NOT NULL,
                    case_id TEXT NOT NULL REFERENCES case_record(id) ON DELETE CASCADE,
                    device_id TEXT NOT NULL,
                    version INTEGER NOT NULL DEFAULT 1,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    occurred_at TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    author TEXT NOT NULL,
                    summary TEXT NOT NULL,
                    body TEXT NOT NULL
                ) STRICT;
                CREATE INDEX event_by_case ON case_event(case_id, occurred_at, id);

                CREATE TABLE draft (
                    id TEXT PRIMARY KEY NOT NULL,
                    device_id TEXT NOT NULL,
                    version INTEGER NOT NULL DEFAULT 1,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    step INTEGER NOT NULL,
                    report_json TEXT NOT NULL
                ) STRICT;

                CREATE TABLE case_counter (
                    year INTEGER PRIMARY KEY NOT NULL,
                    last_serial INTEGER NOT NULL
                ) STRICT;
                """)
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('device_id', ?)", arguments: [UUID().uuidString])
        }
        m.registerMigration("v2-case-management-cycle") { db in
            try db.execute(sql: """
                ALTER TABLE case_event ADD COLUMN data_json TEXT;           -- structured payload of a step
                ALTER TABLE case_record ADD COLUMN first_action_at TEXT;    -- first assessment, referral or follow-up
                ALTER TABLE case_record ADD COLUMN assessed INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE case_record ADD COLUMN has_plan INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE case_record ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE case_record ADD COLUMN next_follow_up TEXT;     -- YYYY-MM-DD
                ALTER TABLE case_record ADD COLUMN closed_at TEXT;
                ALTER TABLE case_record ADD COLUMN closure_reason TEXT;
                CREATE INDEX case_open_follow_up ON case_record(status, next_follow_up);
                CREATE INDEX case_open_first_action ON case_record(status, first_action_at);

                -- Formal and community services children can be referred to.
                CREATE TABLE service_provider (
                    id TEXT PRIMARY KEY NOT NULL,
                    device_id TEXT NOT NULL,
                    version INTEGER NOT NULL DEFAULT 1,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    name TEXT NOT NULL,
                    service_types TEXT NOT NULL,      -- JSON array of ServiceType raw values
                    area TEXT NOT NULL,
                    contact TEXT NOT NULL,
                    hours TEXT NOT NULL,
                    notes TEXT NOT NULL,
                    retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0,1))
                ) STRICT;

                CREATE TABLE referral (
                    id TEXT PRIMARY KEY NOT NULL,
                    case_id TEXT NOT NULL REFERENCES case_record(id) ON DELETE CASCADE,
                    provider_id TEXT NOT NULL REFERENCES service_provider(id),
                    device_id TEXT NOT NULL,
                    version INTEGER NOT NULL DEFAULT 1,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    service_type TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    urgent INTEGER NOT NULL DEFAULT 0,
                    status TEXT NOT NULL CHECK (status IN ('pending','accepted','declined','completed','withdrawn')),
                    sent_on TEXT NOT NULL,               -- YYYY-MM-DD
                    responded_on TEXT,
                    status_note TEXT NOT NULL DEFAULT '',
                    feedback TEXT NOT NULL DEFAULT '',
                    override_by TEXT,                    -- supervisor who overrode missing consent
                    override_reason TEXT
                ) STRICT;
                CREATE INDEX referral_by_status ON referral(status, sent_on);
                CREATE INDEX referral_by_case ON referral(case_id);
                """)
        }
        m.registerMigration("v3-duplicate-keys") { db in
            try db.execute(sql: """
                ALTER TABLE case_record ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
                ALTER TABLE case_record ADD COLUMN village_key TEXT NOT NULL DEFAULT '';
                CREATE INDEX case_by_village_key ON case_record(village_key);
                CREATE INDEX case_by_name_key ON case_record(name_key);
                """)
            for row in try Row.fetchAll(db, sql: "SELECT id, child_name, village FROM case_record") {
                try db.execute(sql: "UPDATE case_record SET name_key = ?, village_key = ? WHERE id = ?",
                               arguments: [DuplicateRule.key(row["child_name"]), DuplicateRule.key(row["village"]), row["id"] as String])
            }
        }
        m.registerMigration("v4-audit-log") { db in
            try db.execute(sql: """
                -- Append-only, HMAC-chained audit log: who viewed, changed, exported, logged in, failed, locked.
                CREATE TABLE audit_log (
                    seq INTEGER PRIMARY KEY,
                    at TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    case_id TEXT,
                    detail TEXT NOT NULL,
                    mac TEXT NOT NULL                 -- HMAC-SHA-256 over the previous mac and this entry
                ) STRICT;
                CREATE INDEX audit_by_case ON audit_log(case_id, seq);
                CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """)
        }
        m.registerMigration("v5-users") { db in
            try db.execute(sql: """
                CREATE TABLE app_user (
                    id TEXT PRIMARY KEY NOT NULL,
                    device_id TEXT NOT NULL,
                    version INTEGER NOT NULL DEFAULT 1,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    roles TEXT NOT NULL,                 -- comma-separated Role raw values, e.g. "administrator,supervisor"
                    pin_hash TEXT NOT NULL,              -- Argon2id PHC string (libsodium crypto_pwhash_str)
                    language TEXT NOT NULL DEFAULT 'en',
                    failed_attempts INTEGER NOT NULL DEFAULT 0,
                    locked_until TEXT,
                    active INTEGER NOT NULL DEFAULT 1
                ) STRICT;
                ALTER TABLE case_record ADD COLUMN assigned_to TEXT REFERENCES app_user(id);
                -- An unfinished report belongs to whoever typed it: nobody else may read or discard it.
                ALTER TABLE draft ADD COLUMN author_id TEXT;
                -- A closure waiting for a supervisor's approval (JSON of the Closure and who asked), and a
                -- supervisor's comment when work was returned for correction.
                ALTER TABLE case_record ADD COLUMN closure_request TEXT;
                ALTER TABLE case_record ADD COLUMN returned_comment TEXT;
                CREATE INDEX case_by_assignee ON case_record(assigned_to, last_activity_at, number_year, number_serial);
                """)
        }
        m.registerMigration("v6-intake-source") { db in
            try db.execute(sql: """
                -- Where the report came from: 'intake' (the guided report by a focal point) or 'child_friendly'
                -- (a child, with a trusted adult, at the kiosk without a login). Unassigned cases are the intake
                -- queue every focal point sees until one takes the case.
                ALTER TABLE case_record ADD COLUMN source TEXT NOT NULL DEFAULT 'intake';
                """)
        }
        m.registerMigration("v7-search-and-sort") { db in
            // Search (issue #6): a contentless FTS5 index over what people search for. Contentless keeps the
            // database small (the words are already in case_record); `detail=column` keeps column filters
            // (the "exact name" rank) without storing word positions. Its rowid is the case's docid,
            // number_year * 100000000 + number_serial: stable across VACUUM (implicit rowids are not) and
            // newest-registered last. Triggers keep it in step with every insert, change and delete, whatever
            // code path made them.
            try db.execute(sql: """
                CREATE VIRTUAL TABLE case_search USING fts5(
                    number, name, caregiver, village, words,
                    content = '', columnsize = 0, detail = column,
                    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
                CREATE TRIGGER case_search_insert AFTER INSERT ON case_record BEGIN
                    INSERT INTO case_search(rowid, number, name, caregiver, village, words)
                    VALUES (\(SearchIndex.values("new")));
                END;
                CREATE TRIGGER case_search_update AFTER UPDATE OF case_number, number_year, number_serial, child_name,
                        caregiver, village, report_json ON case_record BEGIN
                    INSERT INTO case_search(case_search, rowid, number, name, caregiver, village, words)
                    VALUES ('delete', \(SearchIndex.values("old")));
                    INSERT INTO case_search(rowid, number, name, caregiver, village, words)
                    VALUES (\(SearchIndex.values("new")));
                END;
                CREATE TRIGGER case_search_delete AFTER DELETE ON case_record BEGIN
                    INSERT INTO case_search(case_search, rowid, number, name, caregiver, village, words)
                    VALUES ('delete', \(SearchIndex.values("old")));
                END;
                INSERT INTO case_search(rowid, number, name, caregiver, village, words)
                    SELECT \(SearchIndex.values("case_record")) FROM case_record;

                -- One index per sortable column, each ending in the case number so keyset pages are exact.
                CREATE UNIQUE INDEX case_by_number ON case_record(number_year, number_serial);
                DROP INDEX case_by_name_key;
                CREATE INDEX case_by_name_key ON case_record(name_key, number_year, number_serial);
                DROP INDEX case_by_village_key;
                CREATE INDEX case_by_village_key ON case_record(village_key, number_year, number_serial);
                CREATE INDEX case_by_risk ON case_record(\(SearchIndex.riskRank), last_activity_at, number_year, number_serial);
                CREATE INDEX case_by_status_rank ON case_record(\(SearchIndex.statusRank), last_activity_at, number_year, number_serial);
                """)
        }
        m.registerMigration("v8-due-indexes") { db in
            // Due today counted with indexes (issue #6): when a case was last reviewed (its newest report,
            // assessment, plan, follow-up or reopening), kept by a trigger instead of looked up per case,
            // and small partial indexes for the rare states the home screen counts.
            try db.execute(sql: """
                ALTER TABLE case_record ADD COLUMN reviewed_at TEXT;
                UPDATE case_record SET reviewed_at = (SELECT max(occurred_at) FROM case_event e WHERE e.case_id = case_record.id
                    AND e.kind IN ('report_received','assessment','case_plan','follow_up','reopened'));
                CREATE TRIGGER case_reviewed AFTER INSERT ON case_event
                    WHEN NEW.kind IN ('report_received','assessment','case_plan','follow_up','reopened')
                BEGIN
                    UPDATE case_record SET reviewed_at = NEW.occurred_at
                    WHERE id = NEW.case_id AND (reviewed_at IS NULL OR reviewed_at < NEW.occurred_at);
                END;
                CREATE INDEX case_open_reviewed ON case_record(status, reviewed_at) WHERE first_action_at IS NOT NULL;
                CREATE INDEX case_returned ON case_record(status) WHERE returned_comment IS NOT NULL;
                CREATE INDEX case_child_queue ON case_record(status) WHERE assigned_to IS NULL AND source = 'child_friendly';
                """)
        }
        m.registerMigration("v9-risk-filter-index") { db in
            // The risk and urgency filters of the case list (issue #6) walk an index, not the table.
            try db.execute(sql: "CREATE INDEX case_by_risk_level ON case_record(risk_level, urgent)")
        }
        m.registerMigration("v10-name-index") { db in
            // A second, small search index of names only (and other names), for the "whole name" rank: in
            // the main index a word that is everywhere (the year of a case number, a common word of the
            // reports) made that rank read its whole list of cases on every key.
            try db.execute(sql: """
                CREATE VIRTUAL TABLE case_name USING fts5(name, content = '', columnsize = 0, detail = none,
                    tokenize = 'unicode61 remove_diacritics 2');
                CREATE TRIGGER case_name_insert AFTER INSERT ON case_record BEGIN
                    INSERT INTO case_name(rowid, name) VALUES (\(SearchIndex.nameValues("new")));
                END;
                CREATE TRIGGER case_name_update AFTER UPDATE OF number_year, number_serial, child_name, report_json ON case_record BEGIN
                    INSERT INTO case_name(case_name, rowid, name) VALUES ('delete', \(SearchIndex.nameValues("old")));
                    INSERT INTO case_name(rowid, name) VALUES (\(SearchIndex.nameValues("new")));
                END;
                CREATE TRIGGER case_name_delete AFTER DELETE ON case_record BEGIN
                    INSERT INTO case_name(case_name, rowid, name) VALUES ('delete', \(SearchIndex.nameValues("old")));
                END;
                INSERT INTO case_name(rowid, name) SELECT \(SearchIndex.nameValues("case_record")) FROM case_record;
                """)
        }
        m.registerMigration("v11-nfc-again") { db in
            // Issue 14: Foundation's NFC on Linux left Korean typed one key at a time as 기 + ᆷ instead of 김,
            // so such names could not be found. Text is now normalised by `TextSafety.nfc`; this puts every
            // stored name and searched text into the same form. Rows already in NFC are left untouched;
            // the triggers of v7 and v10 rewrite the search indexes of the rows that change.
            try Renormalise.run(db)
        }
        m.registerMigration("v12-unfinished-forms") { db in
            // Half-written notes and forms about a case, kept when Kinga stops, locks itself or loses its
            // terminal (issue #14: a dropped SSH connection must not lose what is on screen). One per person,
            // form and case; removed when the form is saved or thrown away.
            try db.execute(sql: """
                CREATE TABLE unfinished_form (
                    owner_id TEXT NOT NULL,
                    place TEXT NOT NULL,
                    case_id TEXT NOT NULL,
                    saved_at TEXT NOT NULL,
                    values_json TEXT NOT NULL,
                    PRIMARY KEY (owner_id, place, case_id)
                ) STRICT;
                """)
        }
        m.registerMigration("v13-event-facts") { db in
            // Issue 15 item 4 and issue 16: a timeline entry is data (a kind and its arguments), put into words
            // when shown, in the reader's language. `summary` and `body` keep the English words, shown when a
            // Kinga does not know the kind. Entries written before are recognised from their English summary
            // where its pattern is known (`LegacyEvents`), and keep their stored words where not.
            try db.execute(sql: """
                ALTER TABLE case_event ADD COLUMN fact TEXT;        -- EventFact.Kind raw value
                ALTER TABLE case_event ADD COLUMN fact_args TEXT;   -- JSON object of strings
                """)
            try LegacyEvents.run(db)
        }
        m.registerMigration("v14-outbox") { db in
            // Issue #18: every change a person makes is kept here, in the same transaction, until the district
            // server has it (see Outbox.swift). Rows are whole before/after images as JSON; the district link turns
            // them into the wire format's field patches and records.
            try db.execute(sql: """
                CREATE TABLE outbox (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    at TEXT NOT NULL,
                    tbl TEXT NOT NULL,
                    row_id TEXT NOT NULL,
                    op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
                    old_json TEXT,
                    new_json TEXT
                ) STRICT;
                """)
        }
        m.registerMigration("v15-outbox-push") { db in
            // Issue #18, pushing: who made each change (the door's actor, for the server's log), and, once a push is
            // prepared, the change's kiosk number (1, 2, 3… with no gap, kept so a resend after a lost reply sends
            // the same numbers), the change as it is sent, and the server sequence number that acknowledged it.
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN actor TEXT;
                ALTER TABLE outbox ADD COLUMN kiosk_seq INTEGER;
                ALTER TABLE outbox ADD COLUMN change_json TEXT;
                ALTER TABLE outbox ADD COLUMN acked_server_seq INTEGER;
                CREATE UNIQUE INDEX outbox_kiosk_seq ON outbox(kiosk_seq) WHERE kiosk_seq IS NOT NULL;
                """)
        }
        m.registerMigration("v16-district-pull") { db in
            // Issue #18, pulling (SyncPull.swift): the server version of each row as last pulled (`sync_shadow`,
            // read into a change's `base_version` when it is made); the conflicts the server opened on rows this
            // kiosk holds, until a supervisor resolves them (`sync_conflict`, the whole conflict as JSON); and
            // a number per other kiosk whose cases this kiosk holds, so their case numbers sort and index apart
            // from this kiosk's own (`district_kiosk_slot`).
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN base_version INTEGER;
                ALTER TABLE outbox ADD COLUMN pulled_back INTEGER NOT NULL DEFAULT 0;  -- 1 once the pull brought this change back
                CREATE INDEX outbox_by_row ON outbox(tbl, row_id);
                CREATE TABLE sync_shadow (
                    tbl TEXT NOT NULL,
                    row_id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    PRIMARY KEY (tbl, row_id)
                ) STRICT, WITHOUT ROWID;
                CREATE TABLE sync_conflict (
                    conflict_key TEXT PRIMARY KEY NOT NULL,   -- K07:42:risk_level
                    tbl TEXT NOT NULL,
                    row_id TEXT NOT NULL,
                    field TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('open', 'decided', 'resolved')),  -- decided: here, not yet synced
                    opened_seq INTEGER NOT NULL,              -- the server sequence number that opened it
                    decided_json TEXT,                        -- the value a supervisor chose here, until it comes back
                    conflict_json TEXT NOT NULL
                ) STRICT;
                CREATE INDEX sync_conflict_open ON sync_conflict(tbl, row_id, field) WHERE status <> 'resolved';
                -- Pulled changes this database refused (a value this version's schema does not allow), kept whole so a
                -- later version can apply them; the pull went on past them.
                CREATE TABLE sync_unapplied (
                    server_seq INTEGER PRIMARY KEY NOT NULL,
                    change_json TEXT NOT NULL,
                    reason TEXT NOT NULL
                ) STRICT;
                CREATE TABLE district_kiosk_slot (
                    code TEXT PRIMARY KEY NOT NULL,
                    slot INTEGER NOT NULL UNIQUE CHECK (slot BETWEEN 1 AND 999)
                ) STRICT;
                """)
        }
        m.registerMigration("v17-case-tally") { db in
            // Issue #17: the home screen's "open", "urgent" and "cases in all" and the whole case list's count,
            // kept by triggers instead of counted. At a million cases counting walked about a million index
            // entries (90 ms warm, several hundred cold; each page decrypted once on an encrypted kiosk); the
            // tally has one row per status, urgency and assignee (a few hundred at most). Its columns carry the
            // names of `case_record`'s so the scope and the list's status, urgency and assignee conditions
            // apply to it unchanged (`CaseTally`). No unique key: `assigned_to` is NULL for the intake queue
            // and NULLs are never equal in SQLite, so the triggers look rows up with `IS`.
            try db.execute(sql: """
                CREATE TABLE case_tally (
                    status TEXT NOT NULL,
                    urgent INTEGER NOT NULL,
                    assigned_to TEXT,
                    n INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX case_tally_key ON case_tally(status, urgent, assigned_to);
                \(CaseTally.triggers)
                INSERT INTO case_tally(status, urgent, assigned_to, n)
                    SELECT status, urgent, assigned_to, count(*) FROM case_record GROUP BY status, urgent, assigned_to;
                """)
        }
        m.registerMigration("v18-district-duplicates") { db in
            // Issue #19, "the same child reported at two kiosks": pairs of cases made at two kiosks that may be about
            // one child, found when a pull brings one of them (`DistrictDuplicates`), for a supervisor to decide.
            // This kiosk's own list (never synced: every kiosk finds the pairs it holds); the decision travels as
            // timeline entries and, for the same child, the duplicate status. `case_a` < `case_b` (ids as text).
            try db.execute(sql: """
                CREATE TABLE district_duplicate (
                    case_a TEXT NOT NULL,
                    case_b TEXT NOT NULL,
                    found_at TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'same', 'different')),
                    decided_by TEXT,
                    decided_at TEXT,
                    PRIMARY KEY (case_a, case_b),
                    CHECK (case_a < case_b)
                ) STRICT;
                """)
        }
        m.registerMigration("v19-audit-receipts") { db in
            // Issue #19, signed audit receipts: the district server's receipt for the head of this kiosk's audit chain
            // at each push (`AuditReceipt`, checked against the pinned certificate by the district link before it is
            // kept). `verifyAudit` compares the chain with them: a chain rewritten after a sync, even with the HMAC key,
            // no longer matches what the server signed.
            try db.execute(sql: """
                CREATE TABLE audit_receipt (
                    seq INTEGER PRIMARY KEY,
                    mac TEXT NOT NULL,
                    received_at TEXT NOT NULL,
                    server_seq INTEGER NOT NULL,
                    receipt_json TEXT NOT NULL
                ) STRICT;
                """)
        }
        return m
    }
}

/// The SQL shared by the v7 migration and the queries that must match it exactly (an expression index is
/// used only when the query spells the same expression). Never change these: add a migration instead.
enum SearchIndex {
    /// Urgent (and open) 4, high 3, medium 2, low 1, not assessed 0: "most serious first" is descending.
    static let riskRank = "(CASE WHEN urgent = 1 AND status = 'open' THEN 4 WHEN risk_level = 'high' THEN 3 WHEN risk_level = 'medium' THEN 2 WHEN risk_level = 'low' THEN 1 ELSE 0 END)"
    /// Open 3, transferred 2, closed 1, duplicate 0: "open first" is descending.
    static let statusRank = "(CASE status WHEN 'open' THEN 3 WHEN 'transferred' THEN 2 WHEN 'closed' THEN 1 ELSE 0 END)"
    /// Multiplier that makes a case's docid: `number_year * docidYear + number_serial`.
    static let docidYear = 100_000_000

    /// The values of one `case_name` row: docid, then the name and other names.
    static func nameValues(_ row: String) -> String {
        "\(row).number_year * \(docidYear) + \(row).number_serial, " +
        "\(row).child_name || ' ' || coalesce(json_extract(\(row).report_json, '$.nickname'), '')"
    }

    /// The values of one `case_search` row for the case row named `row` ("new", "old" or a table name):
    /// docid, number, name and nickname, caregiver, village, and the report's words (what happened, where).
    static func values(_ row: String) -> String {
        "\(row).number_year * \(docidYear) + \(row).number_serial, \(row).case_number, " +
        "\(row).child_name || ' ' || coalesce(json_extract(\(row).report_json, '$.nickname'), ''), " +
        "\(row).caregiver, \(row).village, " +
        "coalesce(json_extract(\(row).report_json, '$.narrative'), '') || ' ' || coalesce(json_extract(\(row).report_json, '$.whereHappened'), '')"
    }
}

/// Puts stored names and searched texts into NFC (migration v11). Compares bytes, never `String`'s `==`
/// (canonical equivalence, which calls 기 + ᆷ and 김 equal). Reads the cases 500 at a time by rowid, so a
/// large archive is not held in memory; a row already in NFC costs one scan of its text.
enum Renormalise {
    /// True when `text` is not exactly its NFC.
    static func needed(_ text: String) -> Bool { !TextSafety.nfc(text).utf8.elementsEqual(text.utf8) }

    static func run(_ db: Database) throws {
        var last: Int64 = 0
        while true {
            let rows = try Row.fetchAll(db, sql: """
                SELECT rowid, id, child_name, caregiver, village, report_json FROM case_record
                WHERE rowid > ? ORDER BY rowid LIMIT 500
                """, arguments: [last])
            guard let end = rows.last else { break }
            last = end["rowid"]
            for row in rows {
                let texts: [String] = [row["child_name"], row["caregiver"], row["village"], row["report_json"]]
                guard texts.contains(where: needed) else { continue }
                let name = TextSafety.nfc(texts[0]), caregiver = TextSafety.nfc(texts[1]), village = TextSafety.nfc(texts[2])
                // A JSON text in NFC holds only NFC strings (its quotes never join a neighbour), so the report is
                // decoded only when needed; an unreadable one is left as it is.
                var json = texts[3]
                if needed(json), let report = try? KingaStore.decode(Report.self, json) {
                    json = try KingaStore.encode(KingaStore.cleaned(report))
                }
                try db.execute(sql: """
                    UPDATE case_record SET child_name = ?, caregiver = ?, village = ?, report_json = ?, name_key = ?, village_key = ?
                    WHERE id = ?
                    """, arguments: [name, caregiver, village, json, DuplicateRule.key(name), DuplicateRule.key(village), row["id"] as String])
            }
        }
        // Names people log in with (two spellings of one name would otherwise be two users: OR IGNORE keeps
        // such a pair as it is rather than failing the upgrade), and the service directory.
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM app_user") where needed(row["name"]) {
            try db.execute(sql: "UPDATE OR IGNORE app_user SET name = ? WHERE id = ?", arguments: [TextSafety.nfc(row["name"]), row["id"] as String])
        }
        let columns = ["name", "area", "contact", "hours", "notes"]
        for row in try Row.fetchAll(db, sql: "SELECT id, \(columns.joined(separator: ", ")) FROM service_provider") {
            let texts: [String] = columns.map { row[$0] }
            guard texts.contains(where: needed) else { continue }
            try db.execute(sql: "UPDATE service_provider SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?",
                           arguments: StatementArguments(texts.map(TextSafety.nfc) + [row["id"] as String]))
        }
    }
}
