import Foundation
import GRDB
import Model
import Vault

/// What this kiosk keeps about the district it joined (issue #18), as `KingaStore.districtLink()` reads it.
public struct DistrictLinkInfo: Equatable, Sendable {
    /// The server, `https://HOST:PORT`.
    public var serverURL: String
    /// The SHA-256 fingerprint of the certificate this kiosk pinned (`AB:CD:…`).
    public var fingerprint: String
    /// The certificate itself (PEM): the only one trusted for this server.
    public var certificatePEM: String
    /// The kiosk's code (new case numbers carry it) and name, and its catchment's villages.
    public var kioskCode: KioskCode
    public var kioskName: String
    public var villages: [String]
    /// When the kiosk joined (UTC).
    public var joinedAt: Date
}

extension KingaStore {
    /// Keys in `meta` (inside the encrypted database: the bearer token is a secret).
    enum DistrictKeys {
        static let url = "district.url", certificate = "district.certificate", fingerprint = "district.fingerprint"
        static let kioskCode = "district.kiosk_code", kioskName = "district.kiosk_name", villages = "district.villages"
        static let token = "district.token", joinedAt = "district.joined_at"
    }

    /// Records that this kiosk joined a district, as the administrator logged in, in one transaction with its audit
    /// entry: the server's address and pinned certificate, the kiosk code (from now on new case numbers carry it:
    /// `KG-2026-K07-0043`; numbers given before stay as they are), the catchment, and the bearer token (kept only
    /// inside the database, which is encrypted on a real kiosk). Then the outbox is switched on: every change from
    /// here on is kept for the server.
    ///
    /// The kiosk's own key pair (`identity`, made before enrolling, its public half sent to the server) is written
    /// first, beside the database and never inside it (`KioskIdentity.url(forDatabase:)`, sealed under the database
    /// key when there is one), so no backup carries it; if the database then cannot record the join, the file goes.
    /// - Parameters: what `DistrictClient.enrol` returned, spelled out (Storage does not link the network code), and
    ///   the kiosk's key pair (nil: tests of the bookkeeping alone).
    /// - Throws: `StoreError.accessDenied` (audited) unless an administrator is logged in (and never on the demo);
    ///   `DistrictJoinError.alreadyLinked` when the kiosk already joined a district; `VaultError.cannotWrite` when
    ///   the key file cannot be written (nothing recorded); database errors.
    public func joinDistrict(serverURL: String, certificatePEM: String, fingerprint: String, kioskCode: KioskCode,
                             kioskName: String, villages: [String], token: String, identity: KioskIdentity? = nil) throws {
        let me = try sessionUser("district.enrol")
        guard me.can(.manageUsers, demo: isDemo), !isDemo else {
            try auditAlone(actor: me.name, action: "access.denied", detail: "district.enrol")
            throw StoreError.accessDenied
        }
        if try districtLink() != nil { throw DistrictJoinError.alreadyLinked }
        let villagesJSON = String(decoding: try JSONEncoder().encode(villages), as: UTF8.self)
        let keyFile = KioskIdentity.url(forDatabase: URL(fileURLWithPath: path))
        if let identity { try identity.write(to: keyFile, databaseKey: key) }
        do { try door(.kiosk(me.name)) { db in
            guard try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [DistrictKeys.kioskCode]) == nil else {
                throw DistrictJoinError.alreadyLinked
            }
            let values: [(String, String)] = [
                (DistrictKeys.url, serverURL), (DistrictKeys.certificate, certificatePEM), (DistrictKeys.fingerprint, fingerprint),
                (DistrictKeys.kioskCode, kioskCode.rawValue), (DistrictKeys.kioskName, kioskName), (DistrictKeys.villages, villagesJSON),
                (DistrictKeys.token, token), (DistrictKeys.joinedAt, ISO8601.format(clock.now)),
            ]
            for (key, value) in values {
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
            }
            try audit(db, actor: me.name, action: "district.enrol",
                      detail: "kiosk \(kioskCode.rawValue) (\(kioskName)) at \(serverURL), certificate \(fingerprint)"
                        + (identity.map { ", kiosk key " + $0.publicKey.prefix(8).map { String(format: "%02x", $0) }.joined() } ?? ""))
            // The outbox switches on in the same transaction: a kiosk is never joined with nothing kept for the server.
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, 'on') ON CONFLICT(key) DO UPDATE SET value = 'on'",
                           arguments: [Self.districtLinkSetting])
            try audit(db, actor: "district link", action: "sync.outbox_on")
            // Everything recorded before joining goes up with the first sync, the audit chain from its first row. A
            // kiosk restored from a backup joins afresh the same way (`setAsideDistrictLink`): the link set aside is
            // forgotten now.
            try Self.queueEverythingForTheDistrict(db, actor: me.name)
            try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [Self.setAsideKey])
        } } catch {
            if identity != nil { try? FileManager.default.removeItem(at: keyFile) }
            throw error
        }
        try installDoorGuard()
    }

    /// This kiosk's own key pair for signing its requests to the district server (see `joinDistrict`), or nil when
    /// it has none: it never joined, joined before kiosks had keys, or was made from a backup (which never carries
    /// the key: such a kiosk joins the district afresh).
    /// - Throws: `VaultError.kioskKeyDamaged` when the file is there but cannot be used.
    public func kioskIdentity() throws -> KioskIdentity? {
        try KioskIdentity.load(from: KioskIdentity.url(forDatabase: URL(fileURLWithPath: path)), databaseKey: key)
    }

    /// The district this kiosk joined, or nil when it stands alone. Never the token.
    /// - Throws: database errors.
    public func districtLink() throws -> DistrictLinkInfo? {
        let rows = try pool.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT key, value FROM meta WHERE key LIKE 'district.%'").map {
                ($0["key"] as String, $0["value"] as String)
            })
        }
        guard let url = rows[DistrictKeys.url], let code = rows[DistrictKeys.kioskCode].flatMap(KioskCode.init(rawValue:)) else { return nil }
        let villages = (try? JSONDecoder().decode([String].self, from: Data((rows[DistrictKeys.villages] ?? "[]").utf8))) ?? []
        return DistrictLinkInfo(serverURL: url, fingerprint: rows[DistrictKeys.fingerprint] ?? "", certificatePEM: rows[DistrictKeys.certificate] ?? "",
                                kioskCode: code, kioskName: rows[DistrictKeys.kioskName] ?? "", villages: villages,
                                joinedAt: rows[DistrictKeys.joinedAt].flatMap(ISO8601.parse) ?? clock.now)
    }

    /// The kiosk code new case numbers carry, inside a transaction (nil before the kiosk joined a district).
    static func kioskCode(_ db: Database) throws -> KioskCode? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [DistrictKeys.kioskCode]).flatMap(KioskCode.init(rawValue:))
    }
}

/// Why a kiosk cannot join a district.
public enum DistrictJoinError: Error, Equatable, Sendable, CustomStringConvertible {
    /// It already joined one: a kiosk belongs to one district, and its case numbers carry the code it got there.
    case alreadyLinked
    /// It has not joined one, so there is nothing to send or fetch.
    case notLinked

    public var description: String {
        switch self {
        case .alreadyLinked:
            return "This kiosk has already joined a district. A kiosk joins once; ask the district office if it must move to another."
        case .notLinked:
            return "This kiosk has not joined a district, so there is nothing to send. An administrator joins it from the Users screen (j) or with 'kinga enroll'."
        }
    }
}

/// The district link a kiosk had when the backup it was restored from was made (issue #18: "a kiosk restored from
/// a backup must enrol afresh"), kept so people are told why it no longer syncs and what to do.
public struct SetAsideLink: Sendable, Equatable {
    /// The kiosk code the backup's kiosk had (`K07`), and its server.
    public let kioskCode: String
    public let serverURL: String
    /// When the restore set the link aside (UTC).
    public let setAsideAt: Date

    /// What to do, in plain words (English; the screens use the catalogue's `district.setAside`).
    public var advice: String {
        "This kiosk was restored from a backup of kiosk \(kioskCode), so it no longer syncs as \(kioskCode): the old laptop may have "
            + "sent changes and given case numbers after that backup. Ask the district office to revoke \(kioskCode) and add this laptop as a "
            + "new kiosk, then join again with the new code ('kinga enroll'). Everything on this kiosk goes up when it joins; "
            + "where the district has newer values, a supervisor chooses."
    }
}

extension KingaStore {
    /// Where `setAsideDistrictLink` keeps what it set aside (outside the `district.` keys, which it removes).
    static let setAsideKey = "restored.district_link"

    /// Sets aside the district link of a database just restored from a backup (`restore(from:to:clock:key:)`), in one
    /// transaction with its audit entry: the link's keys (server, kiosk code, token, push and pull numbers) and the
    /// outbox go (a conflict decided here but not yet sent is open again), the outbox is switched off, and the kiosk's own key file beside the database is removed. Nothing a
    /// person recorded is touched.
    ///
    /// Why (../shared/SYNC.md §2, "a restored or cloned kiosk enrols as a new device"): a backup's kiosk code, push
    /// numbers and case counter are older than the kiosk's last sync. Kept, the restored kiosk would give case numbers
    /// the old laptop already gave (`KG-2026-K07-0042` twice), and push other changes under numbers the server has
    /// applied. Set aside, its new cases get numbers without a kiosk code (kept apart in the district by the code it
    /// joins with next, `CaseNumber.districtKey`), and `joinDistrict` lets it join afresh: everything it holds then goes
    /// up whole, and where the district holds newer values the server opens conflicts for a supervisor, never
    /// overwriting silently.
    /// - Returns: what was set aside, or nil when the database had not joined a district.
    /// - Throws: `StoreError.accessDenied` while anyone is logged in; database errors.
    @discardableResult
    func setAsideDistrictLink() throws -> SetAsideLink? {
        guard let link = try districtLink() else { return nil }
        let aside = SetAsideLink(kioskCode: link.kioskCode.rawValue, serverURL: link.serverURL, setAsideAt: clock.now)
        let json = String(decoding: try JSONSerialization.data(withJSONObject: [
            "kiosk_code": aside.kioskCode, "url": aside.serverURL, "at": ISO8601.format(aside.setAsideAt)], options: [.sortedKeys]), as: UTF8.self)
        try door(.maintenance) { db in
            try db.execute(sql: "DELETE FROM meta WHERE key LIKE 'district.%'")
            try db.execute(sql: "DELETE FROM outbox")
            // A supervisor's decision kept here and not yet sent lived only in the outbox: its conflict is open again,
            // to be decided again once the kiosk has joined afresh (the server still holds it open).
            try db.execute(sql: "UPDATE sync_conflict SET status = 'open', decided_json = NULL WHERE status = 'decided'")
            try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [Self.districtLinkSetting])
            try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [Self.setAsideKey, json])
            try audit(db, actor: "restore", action: "district.set_aside",
                      detail: "kiosk \(aside.kioskCode) at \(aside.serverURL): restored from a backup, joins the district afresh")
        }
        try? FileManager.default.removeItem(at: KioskIdentity.url(forDatabase: URL(fileURLWithPath: path)))
        return aside
    }

    /// The district link a restore set aside (see `setAsideDistrictLink`), until the kiosk joins again; nil otherwise.
    /// - Throws: database errors.
    public func setAsideLink() throws -> SetAsideLink? {
        guard let text = try pool.read({ db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [Self.setAsideKey]) }),
              let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String],
              let code = object["kiosk_code"], let url = object["url"] else { return nil }
        return SetAsideLink(kioskCode: code, serverURL: url, setAsideAt: object["at"].flatMap(ISO8601.parse) ?? clock.now)
    }
}
