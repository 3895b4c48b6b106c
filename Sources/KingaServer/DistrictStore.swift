import Crypto
import Foundation
import Logging
import Model
import PostgresNIO

/// Why the store refused a request before looking at its changes: the kiosk is unknown or revoked. Shown to
/// the kiosk as a JSON error (never a crash, never a partial apply).
public enum StoreRefusal: Error, Equatable, Sendable {
    /// No kiosk has this code on this server.
    case unknownKiosk(KioskCode)
    /// The kiosk was revoked: it may no longer push or pull (issue #18).
    case revoked(KioskCode)
}

/// The district's state in PostgreSQL and the two operations of the district link: applying a kiosk's push
/// exactly once, and giving a kiosk the changes after a server sequence number in the server's order.
///
/// Rules come from Model (`SyncValidation`, `SyncSequencing`, `SyncApply`, `SyncMerge`); this type only loads
/// what a change touches, calls them, and stores their effect. One push is one PostgreSQL transaction that first
/// takes the district's advisory lock (`pg_advisory_xact_lock`), so pushes apply one after another and
/// `server_seq` values are committed in increasing order: a pull cursor never skips a row committed later under a
/// smaller number (../shared/SYNC.md §2). The database holds one district.
public struct DistrictStore: Sendable {
    /// The PostgreSQL pool (run by the caller: `PostgresClient.run()` in a task of its own).
    public let client: PostgresClient
    /// Where the store logs applied pushes and refusals.
    public let logger: Logger
    /// The key of the server's certificate, which signs audit receipts (`AuditReceipt`); nil: no receipts.
    public let receiptKey: P256.Signing.PrivateKey?

    /// The advisory lock key that serialises the district's pushes ("KINGDIST").
    static let districtLockKey: Int64 = 0x4B49_4E47_4449_5354

    /// A store over a migrated database (`Migrations.migrate`).
    /// - Parameter receiptKey: the server certificate's key (`ServerCertificate.keyFile`), to sign audit receipts.
    public init(client: PostgresClient, logger: Logger, receiptKey: P256.Signing.PrivateKey? = nil) {
        self.client = client
        self.logger = logger
        self.receiptKey = receiptKey
    }

    // MARK: push

    /// Decodes, validates and applies a push body as received from `kiosk`.
    /// - Parameters:
    ///   - body: the request body (JSON, at most `SyncLimits.maxRequestBytes`).
    ///   - kiosk: the kiosk the transport authenticated; a push naming another kiosk is refused as `.malformed`.
    /// - Returns: the reply; on a refusal (`reply.refusal`), nothing of the push was applied.
    /// - Throws: `StoreRefusal` (unknown or revoked kiosk), PostgresNIO's errors (then nothing was applied).
    public func push(body: Data, from kiosk: KioskCode) async throws -> PushReply {
        switch SyncValidation.decodePush(body) {
        case .success(let push): return try await self.push(push, from: kiosk)
        case .failure(let refusal): return try await refuse(refusal, kiosk: kiosk)
        }
    }

    /// Applies a decoded push from `kiosk` exactly once, whole or not at all, in one transaction.
    ///
    /// Numbers at or below the kiosk's `last_push_seq` are acknowledged as duplicates once their content is
    /// checked against `change_log` (other content: `.replayed`); a push starting past the next number is a
    /// `.gap`; the rest are applied in order through `SyncApply.apply`, each logged under the next `server_seq`.
    /// - Returns: the reply (`applied`, `duplicates`, `conflicts` opened, `server_seq` after it), or a reply whose
    ///   `refusal` says why nothing was applied.
    /// - Throws: `StoreRefusal`, PostgresNIO's errors (the transaction is rolled back).
    public func push(_ push: PushRequest, from kiosk: KioskCode) async throws -> PushReply {
        guard push.kioskCode == kiosk else {
            return try await refuse(SyncRefusal(.malformed, "The push names kiosk \(push.kioskCode), but comes from \(kiosk)."), kiosk: kiosk)
        }
        // PostgreSQL's jsonb holds no NUL character: refused here rather than failing the transaction.
        guard !(try JSONCoding.encode(push)).contains("\\u0000") else {
            return try await refuse(SyncRefusal(.malformed, "A value of the push holds a NUL character."), kiosk: kiosk)
        }
        let logger = self.logger
        let reply = try await client.transaction(logger: logger) { conn -> PushReply in
            try await conn.query("SELECT pg_advisory_xact_lock(\(Self.districtLockKey))", logger: logger)
            let k = try await Self.kiosk(kiosk, on: conn, logger: logger, forUpdate: true)
            var already: [Int: SyncChange] = [:]
            let lastDuplicate = min(k.lastPushSeq, push.fromSeq + push.changes.count - 1)
            if push.fromSeq <= lastDuplicate {
                let rows = try await conn.query("""
                    SELECT kiosk_seq, change::text FROM change_log
                    WHERE kiosk_id = \(k.id) AND audience IS NULL AND kiosk_seq BETWEEN \(Int64(push.fromSeq)) AND \(Int64(lastDuplicate))
                    """, logger: logger)
                for try await (seq, text) in rows.decode((Int64, String).self) {
                    already[Int(seq)] = try JSONCoding.decode(SyncChange.self, text)
                }
            }
            // A signed audit head must be the kiosk's own signature (checked before anything is applied).
            if let head = push.auditHead, let key = k.publicKey, !Self.isKiosksSignature(head, kiosk: kiosk, publicKey: key) {
                return PushReply(acceptedThrough: k.lastPushSeq, applied: [], duplicates: [],
                                 serverSeq: try await Self.lastServerSeq(conn, logger: logger), conflicts: [],
                                 refusal: SyncRefusal(.malformed, "The audit head is not signed with this kiosk's key."))
            }
            let plan: SyncSequencing.Plan
            switch SyncSequencing.plan(lastApplied: k.lastPushSeq, push: push, alreadyApplied: already) {
            case .failure(let refusal):
                return PushReply(acceptedThrough: k.lastPushSeq, applied: [], duplicates: [],
                                 serverSeq: try await Self.lastServerSeq(conn, logger: logger), conflicts: [], refusal: refusal)
            case .success(let p): plan = p
            }
            var opened: [SyncConflict] = []
            for change in plan.apply {
                opened += try await Self.apply(change, kiosk: k, on: conn, logger: logger)
            }
            if plan.acceptedThrough != k.lastPushSeq {
                try await conn.query("UPDATE kiosk SET last_push_seq = \(Int64(plan.acceptedThrough)) WHERE id = \(k.id)", logger: logger)
            }
            let serverSeq = try await Self.lastServerSeq(conn, logger: logger)
            var receipt: AuditReceipt?
            if let head = push.auditHead, k.publicKey != nil, let receiptKey {
                receipt = try await Self.receipt(for: head, kiosk: k, serverSeq: serverSeq, key: receiptKey, on: conn, logger: logger)
            }
            return PushReply(acceptedThrough: plan.acceptedThrough, applied: plan.apply.map(\.kioskSeq), duplicates: plan.duplicates,
                             serverSeq: serverSeq, conflicts: opened, refusal: nil, receipt: receipt)
        }
        if let refusal = reply.refusal {
            logger.notice("push refused", metadata: ["kiosk": "\(kiosk)", "reason": "\(refusal.reason.rawValue)", "message": "\(refusal.message)"])
        } else {
            logger.info("push applied", metadata: ["kiosk": "\(kiosk)", "applied": "\(reply.applied.count)",
                                                   "duplicates": "\(reply.duplicates.count)", "conflicts": "\(reply.conflicts.count)",
                                                   "server_seq": "\(reply.serverSeq)"])
        }
        return reply
    }

    /// A refusal reply for a push that could not be read, with where the server is for that kiosk.
    private func refuse(_ refusal: SyncRefusal, kiosk: KioskCode) async throws -> PushReply {
        let logger = self.logger
        logger.notice("push refused", metadata: ["kiosk": "\(kiosk)", "reason": "\(refusal.reason.rawValue)", "message": "\(refusal.message)"])
        return try await client.withConnection { conn in
            let k = try await Self.kiosk(kiosk, on: conn, logger: logger, forUpdate: false)
            return PushReply(acceptedThrough: k.lastPushSeq, applied: [], duplicates: [],
                             serverSeq: try await Self.lastServerSeq(conn, logger: logger), conflicts: [], refusal: refusal)
        }
    }

    /// Loads what `change` touches, applies it with `SyncApply.apply`, stores the effect and logs the change.
    /// - Returns: the conflicts it opened.
    private static func apply(_ change: SyncChange, kiosk: KioskRow, on conn: PostgresConnection, logger: Logger) async throws -> [SyncConflict] {
        var context = SyncApply.Context()
        let entity: String
        var entityID: UUID?
        var rowEntity: SyncEntity?
        switch change.body {
        case .patch(let p):
            context.row = try await Self.row(p.entity, p.id, on: conn, logger: logger)
            entity = p.entity.rawValue
            entityID = p.id
            rowEntity = p.entity
        case .record(let r):
            context.storedRecord = try await Self.record(r.id, on: conn, logger: logger)
            entity = r.kind.rawValue
            entityID = r.id
        case .resolution(let r):
            entity = "resolution"
            if let found = try await Self.conflict(r.conflict, on: conn, logger: logger) {
                context.conflict = found.conflict
                context.conflictIsOpen = found.isOpen
                entityID = found.conflict.rowID
                if let e = found.conflict.entity {
                    rowEntity = e
                    context.row = try await Self.row(e, found.conflict.rowID, on: conn, logger: logger)
                }
            }
        }
        let effect = SyncApply.apply(change, from: kiosk.code, context: context)
        let seqRows = try await conn.query("SELECT nextval(pg_get_serial_sequence('change_log', 'server_seq'))", logger: logger)
        var serverSeq: Int64 = 0
        for try await (n) in seqRows.decode(Int64.self) { serverSeq = n }
        if let newRow = effect.row, let id = effect.rowID, let e = rowEntity {
            let fields = try JSONCoding.encode(newRow.values), state = try JSONCoding.encode(newRow)
            try await conn.query("""
                INSERT INTO sync_row (entity, id, version, fields, merge_state, server_seq)
                VALUES (\(e.rawValue), \(id), \(Int64(newRow.version)), \(fields)::text::jsonb, \(state)::text::jsonb, \(serverSeq))
                ON CONFLICT (entity, id) DO UPDATE SET version = EXCLUDED.version, fields = EXCLUDED.fields,
                    merge_state = EXCLUDED.merge_state, server_seq = EXCLUDED.server_seq
                """, logger: logger)
        }
        if let r = effect.insert {
            try await conn.query("""
                INSERT INTO sync_record (entity, id, case_id, payload, server_seq)
                VALUES (\(r.kind.rawValue), \(r.id), \(r.caseID), \(try JSONCoding.encode(r))::text::jsonb, \(serverSeq))
                """, logger: logger)
        }
        for c in effect.opened {
            try await conn.query("""
                INSERT INTO conflict (kiosk_code, kiosk_seq, field, kind, entity, row_id, base, current, incoming, actor, payload, opened_seq)
                VALUES (\(c.id.kiosk.rawValue), \(Int64(c.id.kioskSeq)), \(c.id.field), \(c.kind.rawValue), \(c.entity?.rawValue ?? c.recordKind?.rawValue),
                        \(c.rowID), \(try JSONCoding.encode(c.base))::text::jsonb, \(try JSONCoding.encode(c.current))::text::jsonb,
                        \(try JSONCoding.encode(c.incoming))::text::jsonb, \(c.actor), \(try JSONCoding.encode(c))::text::jsonb, \(serverSeq))
                """, logger: logger)
        }
        for id in effect.resolved {
            try await conn.query("""
                UPDATE conflict SET status = 'resolved', resolved_seq = \(serverSeq)
                WHERE kiosk_code = \(id.kiosk.rawValue) AND kiosk_seq = \(Int64(id.kioskSeq)) AND field = \(id.field)
                """, logger: logger)
        }
        let pulled = effect.serverChange(Int(serverSeq), kiosk: kiosk.code, change: change)
        // The case the change is about (nil: the directory and users, which every kiosk gets).
        var caseID: UUID?
        switch (change.body, rowEntity) {
        case (.record(let r), _): caseID = r.caseID
        case (_, .caseRecord?): caseID = effect.rowID ?? entityID
        case (_, .referral?): caseID = (effect.row ?? context.row)["case_id"].stringValue.flatMap(UUID.init(uuidString:))
        default: caseID = nil
        }
        // A referral or timeline entry whose case the server cannot name yet goes only to the kiosk that sent it (its
        // own id stands in for the case, held by that kiosk alone), never to every kiosk as the directory does.
        if caseID == nil, rowEntity == .referral || (rowEntity == nil && entity != "resolution" && entity != SyncRecordKind.auditRow.rawValue) {
            caseID = entityID
        }
        try await conn.query("""
            INSERT INTO change_log (server_seq, kiosk_id, kiosk_seq, entity, entity_id, change, payload, device_at, case_id)
            VALUES (\(serverSeq), \(kiosk.id), \(Int64(change.kioskSeq)), \(entity), \(entityID),
                    \(try JSONCoding.encode(change))::text::jsonb, \(try JSONCoding.encode(pulled))::text::jsonb, \(change.madeAt), \(caseID))
            """, logger: logger)
        if let caseID {
            try await conn.query("INSERT INTO case_reach (kiosk_id, case_id) VALUES (\(kiosk.id), \(caseID)) ON CONFLICT DO NOTHING", logger: logger)
            if rowEntity == .caseRecord, let newRow = effect.row, effect.patch?.fields["village"] != nil || context.row.version == 0 {
                try await Self.caseMoved(caseID, from: context.row["village"].stringValue.map(DuplicateRule.key),
                                         to: newRow["village"].stringValue.map(DuplicateRule.key),
                                         isNew: context.row.version == 0, by: kiosk, change: change, on: conn, logger: logger)
            }
            if rowEntity == .caseRecord, let newRow = effect.row, effect.patch?.fields["assigned_to"] != nil {
                try await Self.caseAssigned(caseID, to: newRow["assigned_to"].stringValue, by: kiosk, change: change, on: conn, logger: logger)
            }
            if case .record(let r) = change.body, r.kind == .timelineEntry, effect.insert != nil,
               r.payload["fact"] == .string(EventFact.Kind.casePinned.rawValue) {
                try await Self.pinAsked(caseID, record: r, by: kiosk, change: change, on: conn, logger: logger)
            }
        }
        return effect.opened
    }

    /// Keeps the catchment when a case is made or its village changes (`old` and `new` folded, `DuplicateRule.key`):
    /// `case_home` gets the village (and, for a new
    /// case, the kiosk that made it); kiosks of the village it left keep it (`case_reach`: they hold it, and keep
    /// receiving its changes); kiosks of the village it came to that do not hold it are sent the case whole — its
    /// row, its referrals and its timeline — as rows of `change_log` for them alone (`audience`), right after the
    /// change that moved it, in the server's order.
    private static func caseMoved(_ caseID: UUID, from old: String?, to new: String?, isNew: Bool, by kiosk: KioskRow, change: SyncChange,
                                  on conn: PostgresConnection, logger: Logger) async throws {
        try await conn.query("""
            INSERT INTO case_home (case_id, village, created_by) VALUES (\(caseID), \(new), \(isNew ? kiosk.id : nil))
            ON CONFLICT (case_id) DO UPDATE SET village = EXCLUDED.village
            """, logger: logger)
        guard !isNew, let old, old != new else { return }
        try await conn.query("""
            INSERT INTO case_reach (kiosk_id, case_id) SELECT id, \(caseID) FROM kiosk WHERE \(old) = ANY(village_keys) ON CONFLICT DO NOTHING
            """, logger: logger)
        guard let new else { return }
        var newcomers: [Int64] = []
        let rows = try await conn.query("""
            SELECT k.id FROM kiosk k WHERE \(new) = ANY(k.village_keys) AND NOT k.whole_district AND k.revoked_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM case_reach r WHERE r.kiosk_id = k.id AND r.case_id = \(caseID)) ORDER BY k.id
            """, logger: logger)
        for try await (id) in rows.decode(Int64.self) { newcomers.append(id) }
        try await sendWhole(caseID, to: newcomers, by: kiosk, change: change, on: conn, logger: logger)
        if !newcomers.isEmpty {
            logger.info("case sent to the kiosks of its new village", metadata: ["case": "\(caseID)", "kiosks": "\(newcomers.count)"])
        }
    }

    /// Keeps the catchment's "its users' cases" (issue #18) when a case is given to someone: the kiosk where that
    /// person's account was made (the kiosk that pushed it) is sent the case whole, as `caseMoved` sends it to a new
    /// village's kiosks, unless it already holds it, gets every case, or is revoked. Nothing when the case is given
    /// to nobody or to someone the server has never received. The person's first change is found through the
    /// partial index `change_log_user` (migration 3), whose condition the query repeats word for word.
    private static func caseAssigned(_ caseID: UUID, to assignee: String?, by kiosk: KioskRow, change: SyncChange,
                                     on conn: PostgresConnection, logger: Logger) async throws {
        guard let assignee, let person = UUID(uuidString: assignee) else { return }
        var newcomers: [Int64] = []
        for try await (id) in try await conn.query("""
            SELECT k.id FROM kiosk k
            WHERE k.id = (SELECT c.kiosk_id FROM change_log c WHERE c.entity = 'user' AND c.entity_id = \(person)
                          AND c.audience IS NULL ORDER BY c.server_seq LIMIT 1)
            AND NOT k.whole_district AND k.revoked_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM case_reach r WHERE r.kiosk_id = k.id AND r.case_id = \(caseID))
            AND NOT EXISTS (SELECT 1 FROM case_home h WHERE h.case_id = \(caseID) AND h.village = ANY(k.village_keys))
            """, logger: logger).decode(Int64.self) { newcomers.append(id) }
        try await sendWhole(caseID, to: newcomers, by: kiosk, change: change, on: conn, logger: logger)
        if !newcomers.isEmpty { logger.info("case sent to the kiosk of the person it was given to", metadata: ["case": "\(caseID)"]) }
    }

    /// Sends a case as it is now — its row (as a patch that makes it), its referrals, its timeline — to each kiosk
    /// of `newcomers` alone, as rows of `change_log` with `audience` set, right after `change`, in the server's
    /// order; each then holds the case (`case_reach`) and receives its later changes.
    static func sendWhole(_ caseID: UUID, to newcomers: [Int64], by kiosk: KioskRow, change: SyncChange,
                                  on conn: PostgresConnection, logger: Logger) async throws {
        let origin = Origin(kioskID: kiosk.id, code: kiosk.code, kioskSeq: change.kioskSeq, actor: change.actor,
                            changeJSON: try JSONCoding.encode(change), madeAt: change.madeAt)
        try await sendWhole(caseID, to: newcomers, origin: origin, on: conn, logger: logger)
    }

    /// What made the server send a case whole: a kiosk's change (the kiosk, its number, who, the change as JSON
    /// and when) or a supervisor's pin (`pin`: the kiosk that first pushed the case, that push's number, the
    /// supervisor, the pin as JSON).
    struct Origin {
        var kioskID: Int64
        var code: KioskCode
        var kioskSeq: Int
        var actor: String
        var changeJSON: String
        var madeAt: String?
    }

    static func sendWhole(_ caseID: UUID, to newcomers: [Int64], origin: Origin,
                                  on conn: PostgresConnection, logger: Logger) async throws {
        guard !newcomers.isEmpty else { return }
        var creator = origin.code
        for try await (code) in try await conn.query("""
            SELECT k.code FROM case_home h JOIN kiosk k ON k.id = h.created_by WHERE h.case_id = \(caseID)
            """, logger: logger).decode(String.self) { creator = KioskCode(code) ?? creator }
        var whole: [(entity: String, entityID: UUID, patch: FieldPatch?, record: SyncRecord?)] = []
        func rowPatch(_ entity: SyncEntity, _ id: UUID, _ row: SyncRow) -> FieldPatch {
            FieldPatch(entity: entity, id: id, baseVersion: max(0, row.version - 1),
                       fields: row.values.mapValues { FieldChange(old: .null, new: $0) })
        }
        whole.append((SyncEntity.caseRecord.rawValue, caseID, rowPatch(.caseRecord, caseID, try await Self.row(.caseRecord, caseID, on: conn, logger: logger)), nil))
        for try await (id, state) in try await conn.query("""
            SELECT id, merge_state::text FROM sync_row WHERE entity = \(SyncEntity.referral.rawValue) AND fields->>'case_id' = \(caseID.uuidString)
            ORDER BY server_seq
            """, logger: logger).decode((UUID, String).self) {
            whole.append((SyncEntity.referral.rawValue, id, rowPatch(.referral, id, try JSONCoding.decode(SyncRow.self, state)), nil))
        }
        for try await (text) in try await conn.query("""
            SELECT payload::text FROM sync_record WHERE case_id = \(caseID) AND entity = \(SyncRecordKind.timelineEntry.rawValue) ORDER BY server_seq
            """, logger: logger).decode(String.self) {
            let r = try JSONCoding.decode(SyncRecord.self, text)
            whole.append((r.kind.rawValue, r.id, nil, r))
        }
        for audience in newcomers {
            for part in whole {
                var seq: Int64 = 0
                for try await (n) in try await conn.query("SELECT nextval(pg_get_serial_sequence('change_log', 'server_seq'))", logger: logger)
                    .decode(Int64.self) { seq = n }
                let sent = ServerChange(serverSeq: Int(seq), kiosk: creator, kioskSeq: origin.kioskSeq, actor: origin.actor, patch: part.patch,
                                        record: part.record, opened: [], resolved: [])
                try await conn.query("""
                    INSERT INTO change_log (server_seq, kiosk_id, kiosk_seq, entity, entity_id, change, payload, device_at, case_id, audience)
                    VALUES (\(seq), \(origin.kioskID), \(Int64(origin.kioskSeq)), \(part.entity), \(part.entityID),
                            \(origin.changeJSON)::text::jsonb, \(try JSONCoding.encode(sent))::text::jsonb, \(origin.madeAt),
                            \(caseID), \(audience))
                    """, logger: logger)
            }
            try await conn.query("INSERT INTO case_reach (kiosk_id, case_id) VALUES (\(audience), \(caseID)) ON CONFLICT DO NOTHING", logger: logger)
        }
    }

    // MARK: pull

    /// The changes after `after` in the server's order, at most `limit` and about `SyncLimits.maxRequestBytes`
    /// of JSON (always at least one), as a pull reply.
    ///
    /// Read in one REPEATABLE READ snapshot, so `server_seq` (the last number when it answered) and the changes
    /// agree. Audit rows are not sent: each kiosk keeps its own chain, and the district's copy of every chain is
    /// here. Only the kiosk's catchment is sent (issue #18): the directory and users; changes about cases whose
    /// village is one of the kiosk's, that the kiosk holds (it made them, changed them, held them when they left its
    /// villages, or was sent them when they came in: `case_reach`), and the cases sent to it whole when they came
    /// into its villages or were given to one of its people (a person's kiosk is where their account was made). A kiosk added with `--whole-district` (a supervisor's) gets every case.
    /// - Parameters:
    ///   - kiosk: the kiosk asking (must exist and not be revoked).
    ///   - after: the last server sequence number the kiosk applied (≥ 0).
    ///   - limit: most changes (1…`SyncLimits.maxChangesPerPull`; clamped to it).
    ///   - maxBytes: most bytes of changes in the reply (clamped to 1…`SyncLimits.maxRequestBytes`); the first
    ///     change is always sent, and `more` says when the page was cut.
    ///   - lightEcho: the kiosk's own changes come back as light echoes (`ServerChange.echo(of:)`).
    /// - Throws: `StoreRefusal`, PostgresNIO's errors.
    public func pull(for kiosk: KioskCode, after: Int, limit: Int = SyncLimits.maxChangesPerPull,
                     maxBytes: Int = SyncLimits.maxRequestBytes, lightEcho: Bool = false) async throws -> PullReply {
        let logger = self.logger
        let limit = max(1, min(limit, SyncLimits.maxChangesPerPull))
        let maxBytes = max(1, min(maxBytes, SyncLimits.maxRequestBytes))
        return try await client.transaction(logger: logger) { conn -> PullReply in
            try await conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            let k = try await Self.kiosk(kiosk, on: conn, logger: logger, forUpdate: false)
            // The kiosk's own pushed changes come with what it sent, for a light echo.
            let rows = try await conn.query("""
                SELECT c.server_seq, c.payload::text,
                       CASE WHEN \(lightEcho) AND c.kiosk_id = k.id AND c.audience IS NULL THEN c.change::text END
                FROM change_log c, kiosk k
                WHERE k.id = \(k.id) AND c.server_seq > \(Int64(max(0, after)))
                AND c.entity <> \(SyncRecordKind.auditRow.rawValue)
                AND (c.audience = k.id OR (c.audience IS NULL AND (c.case_id IS NULL OR \(unescaped: Self.holds("c.case_id")))))
                ORDER BY c.server_seq LIMIT \(Int64(limit + 1))
                """, logger: logger)
            var changes: [ServerChange] = []
            var bytes = 256, cut = false
            for try await (seq, text, sent) in rows.decode((Int64, String, String?).self) {
                var change = try JSONCoding.decode(ServerChange.self, text)
                change.serverSeq = Int(seq)
                if let sent, let pushed = try? JSONCoding.decode(SyncChange.self, sent) { change = change.echo(of: pushed) }
                bytes += (sent == nil ? text.utf8.count : try JSONCoding.encode(change).utf8.count) + 1
                if !changes.isEmpty && bytes > maxBytes { cut = true; break }
                changes.append(change)
            }
            let more = cut || changes.count > limit
            return PullReply(changes: Array(changes.prefix(limit)), more: more, serverSeq: try await Self.lastServerSeq(conn, logger: logger))
        }
    }

    /// SQL true when kiosk `k` (a row of `kiosk` named k in the query) holds the case whose id is in `caseColumn`:
    /// the kiosk's catchment. A supervisor's kiosk holds the whole district; any other holds the cases whose
    /// village is one of its villages (`case_home`) and the cases it was given or sent whole, or pushed a change to
    /// (`case_reach`, which also keeps a case at a kiosk after it moved to another village).
    static func holds(_ caseColumn: String) -> String {
        """
        (k.whole_district
         OR EXISTS (SELECT 1 FROM case_reach r WHERE r.kiosk_id = k.id AND r.case_id = \(caseColumn))
         OR EXISTS (SELECT 1 FROM case_home h WHERE h.case_id = \(caseColumn) AND h.village = ANY(k.village_keys)))
        """
    }

    /// The ids of the cases in `kiosk`'s catchment on the server (`holds`): what its pulls bring and what it must
    /// hold after a full sync. For checks (the district's end-to-end test) and, next, the server's own views.
    /// - Throws: `StoreRefusal.unknownKiosk` or `.revoked`; PostgresNIO's errors.
    public func catchment(of kiosk: KioskCode) async throws -> Set<UUID> {
        let logger = self.logger
        return try await client.withConnection { conn in
            let k = try await Self.kiosk(kiosk, on: conn, logger: logger, forUpdate: false)
            let rows = try await conn.query("""
                SELECT s.id FROM sync_row s, kiosk k WHERE k.id = \(k.id) AND s.entity = \(SyncEntity.caseRecord.rawValue)
                AND \(unescaped: Self.holds("s.id"))
                """, logger: logger)
            var ids: Set<UUID> = []
            for try await id in rows.decode(UUID.self) { ids.insert(id) }
            return ids
        }
    }

    // MARK: reading

    /// A kiosk's row as the store needs it.
    struct KioskRow {
        var id: Int64
        var code: KioskCode
        var lastPushSeq: Int
        /// The Ed25519 public key it enrolled with (32 bytes); nil for a kiosk on its token alone.
        var publicKey: Data?
    }

    /// Loads a kiosk that may sync.
    /// - Throws: `StoreRefusal.unknownKiosk` or `.revoked`.
    static func kiosk(_ code: KioskCode, on conn: PostgresConnection, logger: Logger, forUpdate: Bool) async throws -> KioskRow {
        let lock = forUpdate ? " FOR UPDATE" : ""
        let rows = try await conn.query("""
            SELECT id, last_push_seq, revoked_at IS NOT NULL, public_key FROM kiosk WHERE code = \(code.rawValue)\(unescaped: lock)
            """, logger: logger)
        for try await (id, last, revoked, key) in rows.decode((Int64, Int64, Bool, ByteBuffer?).self) {
            guard !revoked else { throw StoreRefusal.revoked(code) }
            return KioskRow(id: id, code: code, lastPushSeq: Int(last), publicKey: key.map { Data($0.readableBytesView) })
        }
        throw StoreRefusal.unknownKiosk(code)
    }

    /// The last server sequence number committed (0 when none).
    static func lastServerSeq(_ conn: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await conn.query("SELECT coalesce(max(server_seq), 0)::bigint FROM change_log", logger: logger)
        for try await (n) in rows.decode(Int64.self) { return Int(n) }
        return 0
    }

    /// The current row of `entity` `id` (`SyncRow.empty` when none).
    static func row(_ entity: SyncEntity, _ id: UUID, on conn: PostgresConnection, logger: Logger) async throws -> SyncRow {
        let rows = try await conn.query("SELECT merge_state::text FROM sync_row WHERE entity = \(entity.rawValue) AND id = \(id)", logger: logger)
        for try await (text) in rows.decode(String.self) { return try JSONCoding.decode(SyncRow.self, text) }
        return .empty
    }

    /// The append-only record stored under `id`, if any.
    static func record(_ id: UUID, on conn: PostgresConnection, logger: Logger) async throws -> SyncRecord? {
        let rows = try await conn.query("SELECT payload::text FROM sync_record WHERE id = \(id)", logger: logger)
        for try await (text) in rows.decode(String.self) { return try JSONCoding.decode(SyncRecord.self, text) }
        return nil
    }

    /// The conflict named `id` and whether it is still open, if the server knows it.
    static func conflict(_ id: ConflictID, on conn: PostgresConnection, logger: Logger) async throws -> (conflict: SyncConflict, isOpen: Bool)? {
        let rows = try await conn.query("""
            SELECT payload::text, status = 'open' FROM conflict
            WHERE kiosk_code = \(id.kiosk.rawValue) AND kiosk_seq = \(Int64(id.kioskSeq)) AND field = \(id.field)
            """, logger: logger)
        for try await (text, open) in rows.decode((String, Bool).self) { return (try JSONCoding.decode(SyncConflict.self, text), open) }
        return nil
    }

    /// The conflicts still waiting for a supervisor, oldest first (for tests and, next, the server's own views).
    /// - Throws: PostgresNIO's errors.
    public func openConflicts() async throws -> [SyncConflict] {
        let rows = try await client.query("SELECT payload::text FROM conflict WHERE status = 'open' ORDER BY opened_seq, field", logger: logger)
        var out: [SyncConflict] = []
        for try await (text) in rows.decode(String.self) { out.append(try JSONCoding.decode(SyncConflict.self, text)) }
        return out
    }

    /// The current values of a row (column → value; empty when the row does not exist).
    /// - Throws: PostgresNIO's errors.
    public func values(_ entity: SyncEntity, _ id: UUID) async throws -> [String: SyncValue] {
        try await client.withConnection { conn in try await Self.row(entity, id, on: conn, logger: logger).values }
    }
}

/// JSON text in and out of PostgreSQL's jsonb columns: sorted keys, so equal values give equal text.
enum JSONCoding {
    /// UTF-8 JSON text of `value`.
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Reads `text` as `T`.
    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
