import Foundation
import Logging
import Model
import PostgresNIO

/// The district server's PostgreSQL schema, built by numbered migrations (issue #18; ../shared/SYNC.md §2).
///
/// Each migration runs in its own transaction together with its row in `schema_migrations`, under an advisory
/// lock, so two servers starting at once never apply one twice and a failed migration leaves nothing behind.
/// Never edit a migration once released: add the next number.
public enum Migrations {
    /// One step of the schema.
    public struct Migration: Sendable {
        /// Its number (1, 2, 3…: applied in this order, each once).
        public var version: Int
        /// A few words for `schema_migrations.name` and the log.
        public var name: String
        /// The SQL statements, run in order in one transaction.
        public var statements: [String]
    }

    /// The advisory lock key taken while migrating (any fixed number unlikely to be used by another program).
    static let lockKey: Int64 = 0x4B49_4E47_4D49_4752  // "KINGMIGR"

    /// Every migration, in order.
    public static let all: [Migration] = [
        Migration(version: 1, name: "kiosks, enrolment, change log, current state, records, conflicts", statements: [
            """
            CREATE TABLE kiosk (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                code text NOT NULL UNIQUE CHECK (code ~ '^K[A-Z0-9]{2,4}$'),
                name text NOT NULL,
                villages text[] NOT NULL DEFAULT '{}',
                public_key bytea,
                token_hash bytea NOT NULL,
                last_push_seq bigint NOT NULL DEFAULT 0 CHECK (last_push_seq >= 0),
                revoked_at timestamptz,
                enrolled_at timestamptz,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            """
            CREATE TABLE enrolment (
                code_hash bytea PRIMARY KEY,
                kiosk_id bigint NOT NULL REFERENCES kiosk(id),
                expires_at timestamptz NOT NULL,
                used_at timestamptz
            )
            """,
            """
            CREATE TABLE change_log (
                server_seq bigserial PRIMARY KEY,
                kiosk_id bigint NOT NULL REFERENCES kiosk(id),
                kiosk_seq bigint NOT NULL CHECK (kiosk_seq >= 1),
                entity text NOT NULL,
                entity_id uuid,
                change jsonb NOT NULL,
                payload jsonb NOT NULL,
                device_at text,
                received_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (kiosk_id, kiosk_seq)
            )
            """,
            """
            CREATE TABLE sync_row (
                entity text NOT NULL,
                id uuid NOT NULL,
                version bigint NOT NULL,
                fields jsonb NOT NULL,
                merge_state jsonb NOT NULL,
                server_seq bigint NOT NULL,
                PRIMARY KEY (entity, id)
            )
            """,
            """
            CREATE TABLE sync_record (
                entity text NOT NULL,
                id uuid PRIMARY KEY,
                case_id uuid,
                payload jsonb NOT NULL,
                server_seq bigint NOT NULL
            )
            """,
            """
            CREATE TABLE conflict (
                kiosk_code text NOT NULL,
                kiosk_seq bigint NOT NULL,
                field text NOT NULL,
                kind text NOT NULL,
                entity text,
                row_id uuid NOT NULL,
                base jsonb,
                current jsonb,
                incoming jsonb,
                actor text NOT NULL,
                payload jsonb NOT NULL,
                status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
                opened_seq bigint NOT NULL,
                resolved_seq bigint,
                PRIMARY KEY (kiosk_code, kiosk_seq, field)
            )
            """,
            "CREATE INDEX conflict_open ON conflict (row_id) WHERE status = 'open'",
            // Append-only records are never changed or removed (SYNC.md §2: timeline and audit rows insert-only).
            """
            CREATE FUNCTION kinga_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is insert-only', TG_TABLE_NAME;
            END $$
            """,
            "CREATE TRIGGER sync_record_insert_only BEFORE UPDATE OR DELETE ON sync_record FOR EACH ROW EXECUTE FUNCTION kinga_insert_only()",
            "CREATE TRIGGER change_log_insert_only BEFORE UPDATE OR DELETE ON change_log FOR EACH ROW EXECUTE FUNCTION kinga_insert_only()",
        ]),
        // Issue #18, the catchment: a kiosk pulls only what concerns it (DistrictStore.pull). Each logged change
        // names the case it is about (NULL: the directory, users: every kiosk); `case_home` keeps each case's
        // current village and the kiosk that made it; `case_reach` the kiosks that hold a case (they pushed a change
        // about it, held it when it left their villages, or were sent it when it came into their villages). A case
        // coming into a kiosk's villages is sent to that kiosk whole, as rows of `change_log` with `audience` set to
        // that kiosk only; those rows are not pushes, so the kiosk-number uniqueness covers the pushed rows only.
        Migration(version: 2, name: "catchment: the case of each change, where cases live, who holds them", statements: [
            "ALTER TABLE change_log ADD COLUMN case_id uuid",
            "ALTER TABLE change_log ADD COLUMN audience bigint REFERENCES kiosk(id)",
            "ALTER TABLE change_log DROP CONSTRAINT change_log_kiosk_id_kiosk_seq_key",
            "CREATE UNIQUE INDEX change_log_pushed ON change_log (kiosk_id, kiosk_seq) WHERE audience IS NULL",
            "CREATE INDEX change_log_case ON change_log (case_id)",
            "ALTER TABLE kiosk ADD COLUMN whole_district boolean NOT NULL DEFAULT false",
            // The villages as matched: folded like the kiosk's search keys (`DuplicateRule.key`), so "Kibera " and
            // "KIBERA" are the village "Kibera". Filled by `kiosk add` and, for kiosks added before, by `migrate`.
            "ALTER TABLE kiosk ADD COLUMN village_keys text[] NOT NULL DEFAULT '{}'",
            """
            CREATE TABLE case_home (
                case_id uuid PRIMARY KEY,
                village text,                -- folded (DuplicateRule.key)
                created_by bigint REFERENCES kiosk(id)
            )
            """,
            "CREATE INDEX case_home_village ON case_home (village)",
            """
            CREATE TABLE case_reach (
                kiosk_id bigint NOT NULL REFERENCES kiosk(id),
                case_id uuid NOT NULL,
                PRIMARY KEY (kiosk_id, case_id)
            )
            """,
        ]),
        // Issue #18, "its users' cases": a case given to someone goes to the kiosk that made their account, found as
        // the first pushed change of that user (`DistrictStore.caseAssigned`); without this index every assignment
        // would read the whole change log.
        Migration(version: 3, name: "catchment: the kiosk where each person's account was made", statements: [
            "CREATE INDEX change_log_user ON change_log (entity_id, server_seq) WHERE entity = 'user' AND audience IS NULL",
        ]),
        // Issue #18, "cases a supervisor pinned": which supervisor asked that a kiosk hold a case, and when
        // (`DistrictStore.pin`). The kiosk then holds it through `case_reach`; this keeps the decision.
        Migration(version: 4, name: "catchment: cases a supervisor pinned to a kiosk", statements: [
            """
            CREATE TABLE case_pin (
                case_id uuid NOT NULL,
                kiosk_id bigint NOT NULL REFERENCES kiosk(id),
                pinned_by text NOT NULL CHECK (pinned_by <> ''),
                pinned_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (case_id, kiosk_id)
            )
            """,
            // A pin names the case by its number: found through this index, not by reading every case.
            "CREATE INDEX sync_row_case_number ON sync_row ((fields->>'case_number')) WHERE entity = 'case'",   // SyncEntity.caseRecord
        ]),
        // Issue #19, signed audit receipts: each push's audit chain head as the kiosk signed it, and the server's
        // signed receipt for it (`AuditReceipt`), kept for ever; `kinga-server audit verify` checks them against the
        // audit rows the server holds. `received_at` is text: exactly the bytes the server signed.
        Migration(version: 5, name: "audit chain heads and the server's receipts", statements: [
            """
            CREATE TABLE audit_receipt (
                kiosk_id bigint NOT NULL REFERENCES kiosk(id),
                seq bigint NOT NULL CHECK (seq >= 1),
                mac text NOT NULL,
                kiosk_signature text NOT NULL,
                received_at text NOT NULL,
                server_seq bigint NOT NULL,
                signature text NOT NULL,
                PRIMARY KEY (kiosk_id, seq)
            )
            """,
            "CREATE TRIGGER audit_receipt_insert_only BEFORE UPDATE OR DELETE ON audit_receipt FOR EACH ROW EXECUTE FUNCTION kinga_insert_only()",
        ]),
    ]

    /// Applies every migration not applied yet, in order.
    /// - Returns: the versions applied now (empty when the schema was current).
    /// - Throws: PostgresNIO's errors (connection, SQL); a failed migration is rolled back whole.
    @discardableResult
    public static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [Int] {
        try await client.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
            """, logger: logger)
        var applied: [Int] = []
        for migration in all {
            let done = try await client.withTransaction(logger: logger) { conn -> Bool in
                try await conn.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
                let rows = try await conn.query("SELECT 1 FROM schema_migrations WHERE version = \(migration.version)", logger: logger)
                for try await _ in rows { return true }
                for statement in migration.statements {
                    try await conn.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await conn.query("INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                return false
            }
            if !done {
                logger.info("schema migration applied", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                applied.append(migration.version)
            }
        }
        try await fillVillageKeys(client, logger: logger)
        return applied
    }

    /// Gives kiosks added before the catchment their folded village keys (`DuplicateRule.key`, Swift's rule: SQL
    /// cannot fold the same way). Does nothing for a kiosk that has them.
    /// - Throws: PostgresNIO's errors.
    static func fillVillageKeys(_ client: PostgresClient, logger: Logger) async throws {
        var missing: [(Int64, [String])] = []
        let rows = try await client.query("SELECT id, villages FROM kiosk WHERE village_keys = '{}' AND villages <> '{}'", logger: logger)
        for try await (id, villages) in rows.decode((Int64, [String]).self) { missing.append((id, villages)) }
        for (id, villages) in missing {
            try await client.query("UPDATE kiosk SET village_keys = \(villages.map(DuplicateRule.key)) WHERE id = \(id)", logger: logger)
        }
    }
}
