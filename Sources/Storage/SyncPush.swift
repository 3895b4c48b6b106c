import CSodium
import Foundation
import GRDB
import Model

/// Where this kiosk's changes for the district stand (issue #18), for the Sync screen and `kinga sync`.
public struct SyncStanding: Equatable, Sendable {
    /// Changes made here that the district server does not have yet.
    public var waiting: Int
    /// Changes the server has acknowledged, kept until the kiosk pulls them back (`KingaStore.takePull` forgets
    /// them then).
    public var acknowledged: Int
    /// When the server last acknowledged a push from this kiosk (UTC), or nil: never.
    public var lastPushAt: Date?
    /// When the kiosk last applied a pull (UTC: the last whole sync), or nil: never.
    public var lastPullAt: Date?
    /// Conflicts on this kiosk's rows waiting for a supervisor (`KingaStore.openSyncConflicts`).
    public var conflicts: Int
    /// Possible duplicates across kiosks waiting for a supervisor (`KingaStore.districtDuplicates`).
    public var duplicates: Int

    /// Memberwise: each argument sets the property of the same name.
    public init(waiting: Int, acknowledged: Int, lastPushAt: Date?, lastPullAt: Date? = nil, conflicts: Int = 0, duplicates: Int = 0) {
        self.waiting = waiting
        self.acknowledged = acknowledged
        self.lastPushAt = lastPushAt
        self.lastPullAt = lastPullAt
        self.conflicts = conflicts
        self.duplicates = duplicates
    }
}

/// What a district server answered to a push, as `KingaStore.takePushReply` recorded it.
public enum PushOutcome: Equatable, Sendable {
    /// Everything sent is acknowledged: how many changes were new to the server, how many it had already (a
    /// resend after a lost reply).
    case acknowledged(applied: Int, duplicates: Int)
    /// The server refused the push: nothing of it was applied; what it says it had is acknowledged. Its words.
    case refused(SyncRefusal)
}

extension KingaStore {
    /// The actor of the district link's own bookkeeping (numbering, acknowledgements) and of its audit entries
    /// (`sync.push`, naming who asked). Those audit rows travel too (the chain reaches the server whole), with the
    /// next push: `SyncStanding.waiting` does not count them, so a finished sync says that nothing waits.
    static let linkActor = "district link"

    /// Keys in `meta` for the push side of the district link.
    enum PushKeys {
        /// The kiosk number the next change gets (1 for a kiosk that never pushed).
        static let nextKioskSeq = "district.next_kiosk_seq"
        /// When the server last acknowledged a push (ISO 8601, UTC).
        static let lastPushAt = "district.last_push_at"
    }

    /// The UUID that names this kiosk's audit row `seq` everywhere in the district: the first 16 bytes of the
    /// BLAKE2b hash (libsodium `crypto_generichash`) of the device id and the number, with the RFC 9562 version 8
    /// (custom) and variant bits set. The same row always gets the same id, so a resent row is a duplicate at the
    /// server, never a second row.
    static func auditRowID(device: UUID, seq: Int64) -> UUID {
        var input = Array(device.uuidString.utf8)
        input += Array("#\(seq)".utf8)
        var hash = [UInt8](repeating: 0, count: 16)
        _ = crypto_generichash(&hash, 16, input, UInt64(input.count), nil, 0)
        hash[6] = (hash[6] & 0x0F) | 0x80   // version 8
        hash[8] = (hash[8] & 0x3F) | 0x80   // RFC 9562 variant
        return UUID(uuid: (hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7],
                           hash[8], hash[9], hash[10], hash[11], hash[12], hash[13], hash[14], hash[15]))
    }

    /// The push to send now (issue #18), or nil when nothing waits. First every outbox row not yet numbered gets
    /// the next kiosk number, in the order the changes were made, and is kept in the wire format
    /// (`OutboxEntry.body`; a row that carries nothing for the server, such as an update of kiosk-only columns, is
    /// dropped instead, so the numbers have no gap). This is written before anything is sent: a push resent after
    /// a lost reply carries the same numbers and the same changes, which the server acknowledges without applying
    /// them twice. Then the unacknowledged changes, oldest first, at most `limit`, make the push
    /// (`KioskOutbox.nextPush`, the Model's rule).
    /// - Parameter limit: most changes in one push (at most `SyncLimits.maxChangesPerPush`); a push also stays
    ///   under `SyncLimits.maxRequestBytes`, so a day of long notes goes in several pushes rather than one the
    ///   server refuses.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in; `DistrictJoinError.notLinked` when
    ///   this kiosk has not joined a district; database errors.
    public func preparePush(limit: Int = SyncLimits.maxChangesPerPush) throws -> PushRequest? {
        _ = try sessionUser("sync.push")
        guard let link = try districtLink() else { throw DistrictJoinError.notLinked }
        let device = deviceID
        return try door(.kiosk(Self.linkActor)) { db -> PushRequest? in
            var next = Int(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [PushKeys.nextKioskSeq]) ?? "1") ?? 1
            let unnumbered = try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE kiosk_seq IS NULL ORDER BY seq")
            for r in unnumbered {
                let entry = OutboxEntry(row: r)
                guard let body = entry.body(auditID: { Self.auditRowID(device: device, seq: $0) }) else {
                    try db.execute(sql: "DELETE FROM outbox WHERE seq = ?", arguments: [entry.seq])
                    continue
                }
                let actor = (r["actor"] as String?).flatMap { $0.isEmpty ? nil : $0 } ?? "kinga"
                let change = SyncChange(kioskSeq: next, actor: actor, madeAt: entry.at, body: body)
                try db.execute(sql: "UPDATE outbox SET kiosk_seq = ?, change_json = ? WHERE seq = ?",
                               arguments: [next, String(decoding: try JSONEncoder().encode(change), as: UTF8.self), entry.seq])
                next += 1
            }
            if !unnumbered.isEmpty {
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [PushKeys.nextKioskSeq, String(next)])
            }
            let stored = try Self.waitingJSON(db, limit: max(1, min(limit, SyncLimits.maxChangesPerPush)))
            // Under a page (`SyncLimits.pageBytes`, which a slow link carries in time): the changes' JSON as stored
            // plus room for the envelope; always at least one.
            var bytes = 256, fits = 0
            for json in stored {
                bytes += json.utf8.count + 1
                if fits > 0 && bytes > SyncLimits.pageBytes { break }
                fits += 1
            }
            let waiting = try stored.prefix(fits).map { try JSONDecoder().decode(SyncChange.self, from: Data($0.utf8)) }
            let outbox = KioskOutbox(kiosk: link.kioskCode, entries: waiting.map { KioskOutbox.Entry(change: $0) }, nextSeq: next)
            return outbox.nextPush(limit: limit)
        }
    }

    /// The unacknowledged changes in kiosk-number order, at most `limit`, as stored (the JSON that is sent).
    static func waitingJSON(_ db: Database, limit: Int) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT change_json FROM outbox WHERE kiosk_seq IS NOT NULL AND acked_server_seq IS NULL ORDER BY kiosk_seq LIMIT ?",
                            arguments: [limit])
    }

    /// `waitingJSON`, decoded.
    static func waitingChanges(_ db: Database, limit: Int) throws -> [SyncChange] {
        try waitingJSON(db, limit: limit).map { try JSONDecoder().decode(SyncChange.self, from: Data($0.utf8)) }
    }

    /// Records the server's answer to a push (`KioskOutbox.acknowledge`, the Model's rule): every change up to
    /// `accepted_through` is acknowledged at the reply's `server_seq`. After a refusal nothing is acknowledged,
    /// stricter than the Model's rule: a refusal such as `replayed` (a kiosk restored from an old backup reusing
    /// numbers the server holds with other content) names numbers the server has with *other* changes, and marking
    /// this kiosk's changes sent under them would lose them. Audited as `sync.push`, or `sync.refused` with the
    /// server's words.
    /// - Returns: what the answer means for the person at the kiosk.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in; `DistrictJoinError.notLinked`;
    ///   database errors.
    @discardableResult
    public func takePushReply(_ reply: PushReply) throws -> PushOutcome {
        let me = try sessionUser("sync.push")
        guard let link = try districtLink() else { throw DistrictJoinError.notLinked }
        return try door(.kiosk(Self.linkActor)) { db -> PushOutcome in
            if let refusal = reply.refusal {
                try audit(db, actor: Self.linkActor, action: "sync.refused", detail: "asked by \(me.name); \(refusal.reason.rawValue): \(refusal.message)")
                return .refused(refusal)
            }
            let waiting = try Self.waitingChanges(db, limit: Int.max)
            var outbox = KioskOutbox(kiosk: link.kioskCode, entries: waiting.map { KioskOutbox.Entry(change: $0) })
            outbox.acknowledge(reply)
            for e in outbox.entries { if let at = e.acknowledgedAt {
                try db.execute(sql: "UPDATE outbox SET acked_server_seq = ? WHERE kiosk_seq = ?", arguments: [at, e.change.kioskSeq])
            } }
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [PushKeys.lastPushAt, ISO8601.format(clock.now)])
            // The server's receipt for the head of the audit chain (the district link checked its signature).
            if let r = reply.receipt, r.kiosk == link.kioskCode {
                try db.execute(sql: "INSERT OR IGNORE INTO audit_receipt(seq, mac, received_at, server_seq, receipt_json) VALUES (?, ?, ?, ?, ?)",
                               arguments: [r.seq, r.mac, r.receivedAt, r.serverSeq, try Self.encode(r)])
            }
            try audit(db, actor: Self.linkActor, action: "sync.push",
                      detail: "asked by \(me.name); \(reply.applied.count) applied, \(reply.duplicates.count) already there, through \(reply.acceptedThrough)")
            return .acknowledged(applied: reply.applied.count, duplicates: reply.duplicates.count)
        }
    }

    /// Where this kiosk's changes stand (see `SyncStanding`). Changes not yet numbered count as waiting; the
    /// district link's own audit rows do not (they go with the next push).
    /// - Throws: database errors.
    public func syncStanding() throws -> SyncStanding {
        try pool.read { db in
            let waiting = try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE acked_server_seq IS NULL AND coalesce(actor, '') <> ?",
                                           arguments: [Self.linkActor]) ?? 0
            let acked = try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE acked_server_seq IS NOT NULL") ?? 0
            func date(_ key: String) throws -> Date? {
                try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]).flatMap(ISO8601.parse)
            }
            let conflicts = try db.tableExists("sync_conflict") ? try Int.fetchOne(db, sql: "SELECT count(*) FROM sync_conflict WHERE status = 'open'") ?? 0 : 0
            let duplicates = try db.tableExists("district_duplicate") ? try Int.fetchOne(db, sql: """
                SELECT count(*) FROM district_duplicate d WHERE d.status = 'open'
                AND (SELECT count(*) FROM case_record c WHERE c.id IN (d.case_a, d.case_b) AND c.status <> 'duplicate') = 2
                """) ?? 0 : 0
            return SyncStanding(waiting: waiting, acknowledged: acked, lastPushAt: try date(PushKeys.lastPushAt),
                                lastPullAt: try date(PullKeys.lastPullAt), conflicts: conflicts, duplicates: duplicates)
        }
    }

    /// The highest kiosk number given so far (0: none): a sync is done once the server has accepted through the
    /// number that was highest when it began (later numbers are the sync's own audit rows, which go next time).
    /// - Throws: database errors.
    public func numberedThrough() throws -> Int {
        try pool.read { db in
            (Int(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [PushKeys.nextKioskSeq]) ?? "1") ?? 1) - 1
        }
    }

    /// The bearer token the district server gave this kiosk at enrolment, for the district link's requests. Never
    /// shown or logged; only a person logged in on this kiosk can have it read (the database is encrypted).
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in; `DistrictJoinError.notLinked`.
    public func districtToken() throws -> String {
        _ = try sessionUser("sync.token")
        guard let token = try pool.read({ db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [DistrictKeys.token])
        }) else { throw DistrictJoinError.notLinked }
        return token
    }
}
