import Crypto
import Foundation
import Logging
import Model
import PostgresNIO

/// What `kinga-server kiosk add` hands the administrator: the secrets are shown once and only their SHA-256
/// hashes are stored.
public struct NewKiosk: Sendable {
    /// The kiosk's code (`K07`).
    public var code: KioskCode
    /// The single-use enrolment code, `XXXX-XXXX-XXXX` (letters and digits that cannot be mistaken for one
    /// another), valid until `expiresAt`.
    public var enrolmentCode: String
    /// When the enrolment code stops working.
    public var expiresAt: Date
    /// The kiosk's bearer token (43 characters of base64url, 256 random bits) for `Authorization: Bearer …`.
    public var token: String
}

/// Why a kiosk could not be added or authenticated.
public enum KioskRegistryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another kiosk already has this code.
    case codeTaken(KioskCode)
    /// A village name is empty or too long (at most 200 bytes).
    case badVillage(String)
    /// No kiosk, a wrong token, or a revoked kiosk: all answered the same way, so a forger learns nothing.
    case notAuthenticated
    /// An enrolment code that is unknown, already used, expired, or of a revoked kiosk (said the same way).
    case enrolmentRefused
    /// A request of a kiosk that has a key, unsigned or signed by another key or over other bytes.
    case badSignature(KioskCode)

    /// One plain sentence.
    public var description: String {
        switch self {
        case .codeTaken(let c): return "A kiosk with code \(c) already exists."
        case .badVillage(let v): return "Village names are 1 to 200 bytes; \"\(v)\" is not."
        case .notAuthenticated: return "This kiosk is not known, revoked, or its token is wrong."
        case .enrolmentRefused: return "This enrolment code is not known, already used or expired: ask the district for a new one."
        case .badSignature(let c):
            return "Kiosk \(c) signs its requests with the key it made when it joined, and this request is not signed with it. A kiosk made from a backup does not have that key: the district office adds it again (kinga-server kiosk add) and it joins afresh."
        }
    }
}

/// The server's list of kiosks: adding one (with its enrolment code and bearer token), checking a request's
/// token, revoking.
///
/// A kiosk redeems its enrolment code with the public half of its own Ed25519 key pair (`kinga enroll URL CODE`,
/// kept in `kiosk.public_key`), and from then on every push and pull must carry both its bearer token and its
/// signature (`RequestSignature`): a token copied off the kiosk, or read from the server's database backups (only
/// its hash is there), cannot speak for it without the key, which never leaves the kiosk. A kiosk enrolled before
/// kiosks had keys authenticates with its token alone.
public struct KioskRegistry: Sendable {
    /// The PostgreSQL pool (run by the caller).
    public let client: PostgresClient
    /// Where additions and revocations are logged (never a secret).
    public let logger: Logger

    /// A registry over a migrated database.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Adds a kiosk and issues its enrolment code and bearer token.
    /// - Parameters:
    ///   - name: what people call it ("Puskesmas Fiksi").
    ///   - code: its kiosk code, unique in the district.
    ///   - villages: its catchment's villages.
    ///   - validFor: how long the enrolment code works, in seconds (default one hour).
    ///   - wholeDistrict: true for a supervisor's kiosk that holds every case of the district (its pulls are not
    ///     filtered to a catchment).
    /// - Returns: the secrets, shown once.
    /// - Throws: `KioskRegistryError.codeTaken`, `.badVillage`, PostgresNIO's errors.
    public func add(name: String, code: KioskCode, villages: [String], validFor: TimeInterval = 3600, wholeDistrict: Bool = false,
                    now: Date = Date()) async throws -> NewKiosk {
        for v in villages where v.isEmpty || v.utf8.count > 200 { throw KioskRegistryError.badVillage(v) }
        let token = Self.randomToken()
        let enrolment = Self.randomEnrolmentCode()
        let expires = now.addingTimeInterval(validFor)
        let logger = self.logger
        try await client.transaction(logger: logger) { conn in
            let taken = try await conn.query("SELECT 1 FROM kiosk WHERE code = \(code.rawValue)", logger: logger)
            for try await _ in taken { throw KioskRegistryError.codeTaken(code) }
            let rows = try await conn.query("""
                INSERT INTO kiosk (code, name, villages, village_keys, token_hash, whole_district)
                VALUES (\(code.rawValue), \(name), \(villages), \(villages.map(DuplicateRule.key)), \(Self.hash(token)), \(wholeDistrict))
                RETURNING id
                """, logger: logger)
            var id: Int64 = 0
            for try await (n) in rows.decode(Int64.self) { id = n }
            try await conn.query("""
                INSERT INTO enrolment (code_hash, kiosk_id, expires_at) VALUES (\(Self.hash(Self.normalised(enrolment))), \(id), \(expires))
                """, logger: logger)
        }
        logger.info("kiosk added", metadata: ["kiosk": "\(code)", "villages": "\(villages.count)"])
        return NewKiosk(code: code, enrolmentCode: enrolment, expiresAt: expires, token: token)
    }

    /// Checks a request's kiosk code and bearer token, then, for a kiosk that enrolled with a key, its signature.
    /// - Parameters: the kiosk code and token from the headers; the request's `message` (`RequestSignature.message`)
    ///   and the signature from its `Kinga-Signature` header (base64; nil when absent).
    /// - Throws: `KioskRegistryError.notAuthenticated` for an unknown kiosk, a wrong token or a revoked kiosk;
    ///   `.badSignature` when the kiosk has a key and the request is not signed with it.
    public func authenticate(code: KioskCode, token: String, message: Data, signature: String?) async throws {
        let rows = try await client.query("SELECT token_hash, revoked_at IS NOT NULL, public_key FROM kiosk WHERE code = \(code.rawValue)", logger: logger)
        var ok = false
        var publicKey: ByteBuffer?
        for try await (stored, revoked, key) in rows.decode((ByteBuffer, Bool, ByteBuffer?).self) {
            ok = Self.constantTimeEqual(Array(stored.readableBytesView), Array(Self.hash(token).readableBytesView)) && !revoked
            publicKey = key
        }
        guard ok else { throw KioskRegistryError.notAuthenticated }
        guard let publicKey else { return }
        guard let text = signature, text.utf8.count <= 200, let bytes = Data(base64Encoded: text),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: Data(publicKey.readableBytesView)),
              key.isValidSignature(bytes, for: message) else { throw KioskRegistryError.badSignature(code) }
    }

    /// Redeems a single-use enrolment code: marks it used, records when the kiosk enrolled, and issues the
    /// kiosk a new bearer token (the one from `kiosk add` stops working).
    /// - Parameters: `code` as typed (case, dashes and spaces do not matter); `publicKey` the kiosk's Ed25519 public
    ///   key (32 bytes), kept so that from now on only its signed requests are accepted (nil: token alone).
    /// - Returns: the kiosk's code, name, villages and new token.
    /// - Throws: `KioskRegistryError.enrolmentRefused` (unknown, used, expired, revoked), PostgresNIO's errors.
    public func redeem(_ code: String, publicKey: Data? = nil, now: Date = Date()) async throws -> Enrolment {
        let token = Self.randomToken()
        let logger = self.logger
        let enrolment = try await client.transaction(logger: logger) { conn -> Enrolment in
            let rows = try await conn.query("""
                SELECT k.id, k.code, k.name, k.villages FROM enrolment e JOIN kiosk k ON k.id = e.kiosk_id
                WHERE e.code_hash = \(Self.hash(Self.normalised(code))) AND e.used_at IS NULL AND e.expires_at > \(now)
                    AND k.revoked_at IS NULL
                FOR UPDATE OF e, k
                """, logger: logger)
            for try await (id, text, name, villages) in rows.decode((Int64, String, String, [String]).self) {
                guard let kiosk = KioskCode(text) else { break }
                try await conn.query("UPDATE enrolment SET used_at = \(now) WHERE code_hash = \(Self.hash(Self.normalised(code)))", logger: logger)
                let key = publicKey.map { ByteBuffer(bytes: $0) }
                try await conn.query("UPDATE kiosk SET token_hash = \(Self.hash(token)), enrolled_at = \(now), public_key = \(key) WHERE id = \(id)",
                                     logger: logger)
                return Enrolment(kioskCode: kiosk, name: name, villages: villages, token: token)
            }
            throw KioskRegistryError.enrolmentRefused
        }
        logger.info("kiosk enrolled", metadata: ["kiosk": "\(enrolment.kioskCode)"])
        return enrolment
    }

    /// Revokes a kiosk: from now on it can neither push nor pull.
    /// - Returns: false when no kiosk has this code.
    /// - Throws: PostgresNIO's errors.
    @discardableResult
    public func revoke(_ code: KioskCode) async throws -> Bool {
        let rows = try await client.query("UPDATE kiosk SET revoked_at = now() WHERE code = \(code.rawValue) AND revoked_at IS NULL RETURNING id", logger: logger)
        var found = false
        for try await _ in rows { found = true }
        if found { logger.notice("kiosk revoked", metadata: ["kiosk": "\(code)"]) }
        return found
    }

    /// SHA-256 of a secret's UTF-8 bytes, as PostgreSQL `bytea`.
    static func hash(_ secret: String) -> ByteBuffer {
        ByteBuffer(bytes: Array(SHA256.hash(data: Data(secret.utf8))))
    }

    /// Compares two byte strings in time that depends only on their length.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// 256 random bits as unpadded base64url (43 characters).
    static func randomToken() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The alphabet of enrolment codes: capitals and digits without 0/O, 1/I/L, 5/S, 2/Z, 8/B.
    static let enrolmentAlphabet = Array("ACDEFGHJKMNPQRTUVWXY3479")

    /// 12 characters of `enrolmentAlphabet` (about 55 bits) in three groups of four.
    static func randomEnrolmentCode() -> String {
        var rng = SystemRandomNumberGenerator()
        let chars = (0..<12).map { _ in enrolmentAlphabet[Int.random(in: 0..<enrolmentAlphabet.count, using: &rng)] }
        return stride(from: 0, to: 12, by: 4).map { String(chars[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// An enrolment code as typed, in the form that is hashed: capitals, no dashes or spaces.
    static func normalised(_ code: String) -> String {
        code.uppercased().filter { $0 != "-" && $0 != " " }
    }
}
