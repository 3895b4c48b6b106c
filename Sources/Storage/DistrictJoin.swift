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
            // Everything recorded before joining goes up with the first sync, the audit chain from its first row.
            try Self.queueEverythingForTheDistrict(db, actor: me.name)
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
