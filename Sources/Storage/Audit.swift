import CSodium
import Foundation
import GRDB
import Model

/// The result of checking the audit chain.
public enum AuditVerification: Equatable, Sendable {
    /// Every entry's HMAC matches; `entries` were checked.
    case intact(entries: Int)
    /// The first entry whose HMAC does not match (edited, deleted before it, or forged), by sequence number.
    case broken(firstBadSeq: Int64, checked: Int)
}

/// One audit entry.
public struct AuditEntry: Hashable, Sendable {
    public var seq: Int64
    public var at: Date
    public var actor: String
    public var action: String
    public var caseID: UUID?
    public var detail: String
    /// The entry's HMAC-SHA-256, chained to the one before (hex); `verifyAudit` checks it.
    public var mac: String = ""
}

/// Errors of the audit key.
public enum AuditError: Error, CustomStringConvertible {
    case cryptoUnavailable
    case badKeyFile(String)
    case missingKey(String)
    public var description: String {
        switch self {
        case .cryptoUnavailable: return "The cryptography library (libsodium) could not start."
        case .badKeyFile(let p): return "The audit key at \(p) is damaged or has the wrong size. Restore it from a backup."
        case .missingKey(let p): return "The audit key at \(p) is missing, but the audit log has entries. Restore the key file from the backup it was saved with."
        }
    }
}

/// The audit key: 32 random bytes in a file beside (never inside) the database, readable only by Kinga's user.
/// Whoever can edit the database but not read this file cannot forge the chain.
enum AuditKey {
    /// - Returns: the key, and whether it was created now (the caller refuses a new key for an existing log).
    static func loadOrCreate(at path: String) throws -> (key: [UInt8], created: Bool) {
        guard kinga_sodium_init() >= 0 else { throw AuditError.cryptoUnavailable }
        let size = Int(kinga_hmac_key_bytes())
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count == size else { throw AuditError.badKeyFile(path) }
            return ([UInt8](data), false)
        }
        var key = [UInt8](repeating: 0, count: size)
        crypto_auth_hmacsha256_keygen(&key)
        let url = URL(fileURLWithPath: path)
        try Data(key).write(to: url, options: [.withoutOverwriting])
        chmod(path, 0o400)
        return (key, true)
    }
}

extension KingaStore {
    /// The canonical text of an entry that its HMAC covers, chained to the previous entry's HMAC.
    static func auditMessage(prev: String, seq: Int64, at: String, actor: String, action: String, caseID: String?, detail: String) -> [UInt8] {
        Array("\(prev)\n\(seq)\n\(at)\n\(actor)\n\(action)\n\(caseID ?? "-")\n\(detail)".utf8)
    }

    static func hmac(_ message: [UInt8], key: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: Int(kinga_hmac_bytes()))
        _ = crypto_auth_hmacsha256(&out, message, UInt64(message.count), key)
        return out.map { String(format: "%02x", $0) }.joined()
    }

    /// Appends an audit entry inside the caller's transaction (so a change and its audit entry commit together).
    /// - Parameters: who (`actor`), what (`action`, a short verb such as `case.view`), the case if any, and details.
    func audit(_ db: Database, actor: String, action: String, caseID: UUID? = nil, detail: String = "") throws {
        let prev = try Row.fetchOne(db, sql: "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1")
        let seq = (prev?["seq"] as Int64? ?? 0) + 1
        let prevMac: String = prev?["mac"] ?? "genesis"
        let at = ISO8601.format(clock.now)
        let cleanActor = TextSafety.clean(actor, multiline: false)
        let cleanDetail = TextSafety.clean(detail, multiline: true)
        let mac = Self.hmac(Self.auditMessage(prev: prevMac, seq: seq, at: at, actor: cleanActor, action: action,
                                              caseID: caseID?.uuidString, detail: cleanDetail), key: auditKey)
        try db.execute(sql: "INSERT INTO audit_log(seq, at, actor, action, case_id, detail, mac) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       arguments: [seq, at, cleanActor, action, caseID?.uuidString, cleanDetail, mac])
    }

    /// Records that the person logged in opened a case (who viewed which case).
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in; database errors.
    public func recordView(caseID: UUID) throws {
        let me = try sessionUser("case.view", caseID: caseID)
        try door { db in try audit(db, actor: me.name, action: "case.view", caseID: caseID) }
    }

    /// Records an event that changes nothing else (a lock, an export, a demo reset). The actor is the person
    /// logged in; with nobody logged in (a command-line tool that asks no PIN, such as the anonymised
    /// statistics), it is this computer's account, named as such ("command line (NAME)").
    /// - Parameters: `action`, a short verb such as `session.lock`; the case if any; details.
    /// - Throws: database errors.
    public func recordAudit(action: String, caseID: UUID? = nil, detail: String = "") throws {
        try auditAlone(actor: actor?.name ?? "command line (\(NSUserName()))", action: action, caseID: caseID, detail: detail)
    }

    /// Appends one audit entry in a transaction of its own, as Kinga (for refusals and records made before or
    /// without a session: the actor named is the one who tried, or "unknown"). `package`: the Exports target
    /// records its exports, refused, cancelled, failed or done, through it.
    /// - Throws: database errors.
    func auditAlone(actor name: String, action: String, caseID: UUID? = nil, detail: String = "") throws {
        try door(.kiosk(name)) { db in try audit(db, actor: name, action: action, caseID: caseID, detail: detail) }
    }

    /// Checks the whole chain in order; names the first entry whose HMAC does not match, or that is not the entry
    /// the district server signed a receipt for (issue #19: a chain rewritten after a sync, even with the HMAC key,
    /// or cut short below a receipt).
    public func verifyAudit() throws -> AuditVerification {
        try pool.read { db in
            var receipts: [Int64: String] = [:]
            if try db.tableExists("audit_receipt") {
                for r in try Row.fetchAll(db, sql: "SELECT seq, mac FROM audit_receipt") { receipts[r["seq"]] = r["mac"] }
            }
            var prev = "genesis"
            var expectedSeq: Int64 = 1
            var checked = 0
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM audit_log ORDER BY seq")
            while let row = try cursor.next() {
                let seq: Int64 = row["seq"]
                let mac: String = row["mac"]
                let want = Self.hmac(Self.auditMessage(prev: prev, seq: seq, at: row["at"], actor: row["actor"], action: row["action"],
                                                       caseID: row["case_id"], detail: row["detail"]), key: auditKey)
                if seq != expectedSeq || want != mac { return .broken(firstBadSeq: min(seq, expectedSeq), checked: checked) }
                if let signed = receipts[seq], signed != mac { return .broken(firstBadSeq: seq, checked: checked) }
                prev = mac
                expectedSeq += 1
                checked += 1
            }
            // A receipt for an entry that is no longer here: the chain was cut short after a sync.
            if receipts.keys.contains(where: { $0 >= expectedSeq }) { return .broken(firstBadSeq: expectedSeq, checked: checked) }
            return .intact(entries: checked)
        }
    }

    /// The district server's receipts this kiosk keeps (issue #19): how many, and the newest (the entry it covers
    /// and when the server received it); nil when there are none.
    /// - Throws: database errors.
    public func auditReceipts() throws -> (count: Int, newest: AuditReceipt)? {
        try pool.read { db in
            guard try db.tableExists("audit_receipt"),
                  let json = try String.fetchOne(db, sql: "SELECT receipt_json FROM audit_receipt ORDER BY seq DESC LIMIT 1"),
                  let newest = try? Self.decode(AuditReceipt.self, json) else { return nil }
            return (try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_receipt") ?? 0, newest)
        }
    }

    /// The newest audit entries first (for supervisors' screens and tests).
    /// - Parameters: `actionPrefix` filters by kind ("case.", "login", "access.denied"); nil for all.
    public func auditEntries(limit: Int = 200, actionPrefix: String? = nil) throws -> [AuditEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE action LIKE ? || '%' ORDER BY seq DESC LIMIT ?",
                             arguments: [actionPrefix ?? "", limit]).compactMap { r in
                guard let at = ISO8601.parse(r["at"]) else { return nil }
                var e = AuditEntry(seq: r["seq"], at: at, actor: r["actor"], action: r["action"],
                                   caseID: (r["case_id"] as String?).flatMap(UUID.init(uuidString:)), detail: r["detail"])
                e.mac = r["mac"]
                return e
            }
        }
    }
}
