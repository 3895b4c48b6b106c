import CSodium
import Foundation
import GRDB
import Model

/// A person who uses Kinga.
public struct User: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var name: String
    /// One or more roles ("an administrator who is also a supervisor" may read narratives).
    public var roles: Set<Role>
    public var language: String
    public var active: Bool
    /// The device the account was made on, its version, and when it was made and last changed (UTC); nil in
    /// a value made elsewhere. The PIN's hash and the login bookkeeping (failed attempts, lock-out) never
    /// leave Storage: they are read only by `login`.
    public var deviceID: UUID?
    public var version: Int?
    public var createdAt: Date?
    public var updatedAt: Date?
    /// False for a person who came from the district (issue #18) and has no PIN on this kiosk yet: listed for
    /// administrators (`people()`), never on the login screen, until an administrator here sets a PIN with them.
    public var pinHere = true

    public init(id: UUID, name: String, roles: Set<Role>, language: String = "en", active: Bool = true) {
        self.id = id
        self.name = name
        self.roles = roles
        self.language = language
        self.active = active
    }

    /// True when any of the user's roles allows `permission` (see `Access`).
    public func can(_ permission: Permission, ownCase: Bool = false, demo: Bool) -> Bool {
        roles.contains { Access.allows($0, permission, ownCase: ownCase, demo: demo) }
    }

    static func roles(from text: String) -> Set<Role> { Set(text.split(separator: ",").compactMap { Role(rawValue: String($0)) }) }
    static func text(_ roles: Set<Role>) -> String { roles.map(\.rawValue).sorted().joined(separator: ",") }
    /// The roles in words for messages ("focal point", "supervisor and administrator").
    public var roleWords: String { roles.map { $0.rawValue.replacingOccurrences(of: "_", with: " ") }.sorted().joined(separator: " and ") }
}

/// Why a user could not be created or a PIN not set.
public enum UserError: Error, Equatable, CustomStringConvertible {
    case nameRequired
    case nameTaken
    case weakPIN(PINRule.Problem)
    case notAllowed
    /// An administrator whose account was made on another kiosk of the district: only that kiosk switches them off
    /// (issue #18), so no kiosk can leave another without an administrator.
    case administratorOfAnotherKiosk
    public var description: String {
        switch self {
        case .nameRequired: return "Please write the person's name."
        case .nameTaken: return "Someone with this name already uses Kinga. Add a family name or a number."
        case .weakPIN(.tooShort): return "The PIN needs at least 6 digits (or a passphrase of at least 8 characters)."
        case .weakPIN(.allSameDigit): return "The PIN cannot be one digit repeated. Choose digits that are hard to guess."
        case .weakPIN(.passphraseRequired(let n)): return "This person's role needs a passphrase of at least \(n) characters (words and spaces are fine), not only digits."
        case .weakPIN(.tooFewDigits(let n)): return "The PIN needs at least \(n) digits here."
        case .weakPIN(.sequence): return "The PIN cannot be digits in a row like 123456. Choose digits that are hard to guess."
        case .notAllowed: return "You are not allowed to do this."
        case .administratorOfAnotherKiosk:
            return "This person is an administrator of another kiosk: only that kiosk can switch them off. If that kiosk was lost or stolen, ask the district office to revoke it."
        }
    }
}

/// The outcome of a login. The screen shows one message for every failure (no hint whether the name or the
/// PIN was wrong, or that the account is locked — OWASP Authentication Cheat Sheet).
public enum LoginResult: Equatable, Sendable {
    /// The PIN was right: the handle acting for this person (`KingaStore.actor`), and the person.
    case success(KingaStore, User)
    case failed
    /// Too many failures: no attempt is checked until this time.
    case locked(until: Date)

    /// The person let in, or nil when the PIN did not.
    public var user: User? {
        if case .success(_, let u) = self { return u }
        return nil
    }

    /// Equal when both failed, both locked until the same time, or both let the same person in.
    public static func == (a: LoginResult, b: LoginResult) -> Bool {
        switch (a, b) {
        case (.success(_, let x), .success(_, let y)): return x == y
        case (.failed, .failed): return true
        case (.locked(let x), .locked(let y)): return x == y
        default: return false
        }
    }
}

extension KingaStore {
    /// The Argon2id PHC string of a PIN. The PIN is NFC-normalised first, as the key slots do (`KeyDerivation`), so
    /// the hash of a PIN is also the key that wraps its slot (how a plaintext database's users get slots, issue #17).
    static func hashPIN(_ pin: String) throws -> String {
        guard kinga_sodium_init() >= 0 else { throw AuditError.cryptoUnavailable }
        var out = [CChar](repeating: 0, count: Int(kinga_pwhash_strbytes()))
        let bytes = Array(pin.precomposedStringWithCanonicalMapping.utf8)
        let rc = bytes.withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, bytes.count)) { kinga_pin_hash(&out, $0, UInt64(bytes.count)) }
        }
        guard rc == 0 else { throw AuditError.cryptoUnavailable }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `pin` (NFC-normalised, as `hashPIN`) matches the PHC string `hash`.
    static func verifyPIN(_ pin: String, hash: String) -> Bool {
        guard hash != noPINHere else { return false }
        let bytes = Array(pin.precomposedStringWithCanonicalMapping.utf8) + [0]
        return bytes.withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) { kinga_pin_verify(hash, $0, UInt64(bytes.count - 1)) == 0 }
        }
    }

    /// Creates a user, as the administrator logged in. PINs are stored only as Argon2id hashes.
    /// - Parameters: the person's `name` (cleaned of control characters), their `roles` (at least one), a `pin`
    ///   that passes `PINRule`, and their `language` (ISO 639-1, "en" by default).
    /// - Returns: the new user.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in; `UserError.notAllowed` (audited)
    ///   when the person logged in may not manage users or no role is given; `UserError.nameRequired`,
    ///   `.nameTaken`, `.weakPIN`.
    @discardableResult
    public func createUser(name: String, roles: Set<Role>, pin: String, language: String = "en") throws -> User {
        let me = try sessionUser("user.create")
        guard !roles.isEmpty else { throw UserError.notAllowed }
        if !me.can(.manageUsers, demo: isDemo) {
            try auditAlone(actor: me.name, action: "access.denied", detail: "user.create")
            throw UserError.notAllowed
        }
        return try insertUser(name: name, roles: roles, pin: pin, language: language, author: .session, actorName: me.name, checkPIN: true)
    }

    /// Creates a user as Kinga's upkeep, with nobody logged in: the demo's colleagues (their published PIN
    /// 123456 skips the PIN rule: `checkPIN` false), and tests' fixtures.
    /// - Throws: as `createUser`, and `StoreError.accessDenied` while someone is logged in.
    @discardableResult
    func seedUser(name: String, roles: Set<Role>, pin: String, language: String = "en", checkPIN: Bool = true) throws -> User {
        guard !roles.isEmpty else { throw UserError.notAllowed }
        return try insertUser(name: name, roles: roles, pin: pin, language: language, author: .maintenance, actorName: "Kinga setup", checkPIN: checkPIN)
    }

    private func insertUser(name: String, roles: Set<Role>, pin: String, language: String, author: Author, actorName: String, checkPIN: Bool) throws -> User {
        let clean = TextSafety.clean(name, multiline: false).trimmingCharacters(in: .whitespaces)
        guard !clean.isEmpty else { throw UserError.nameRequired }
        if checkPIN, let p = PINRule.problem(pin, roles: roles, policy: pinPolicy) { throw UserError.weakPIN(p) }
        let hash = try Self.hashPIN(pin)
        let id = UUID()
        let now = ISO8601.format(clock.now)
        // With encryption at rest, their key slot first (issue #17): an account that cannot unlock is never made.
        try withSlot(for: User(id: id, name: clean, roles: roles, language: language), pin: pin) {
            try door(author) { db in
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM app_user WHERE name = ?", arguments: [clean]) != nil { throw UserError.nameTaken }
                try db.execute(sql: """
                    INSERT INTO app_user(id, device_id, created_at, updated_at, name, roles, pin_hash, language)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [id.uuidString, deviceID.uuidString, now, now, clean, User.text(roles), hash, language])
                try audit(db, actor: actorName, action: "user.create", detail: "\(clean) as \(User.text(roles))")
            }
        }
        return try storedUser(id) ?? User(id: id, name: clean, roles: roles, language: language, active: true)
    }

    /// The user with this id as stored (active or not), or nil.
    func storedUser(_ id: UUID) throws -> User? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, name, roles, language, active, device_id, version, created_at, updated_at FROM app_user WHERE id = ?",
                             arguments: [id.uuidString]).flatMap(Self.user(from:))
        }
    }

    /// Active users who can log in on this kiosk, by name (for the login screen: names only, never PIN hints).
    /// People from the district without a PIN here are left out (see `people()`).
    public func users() throws -> [User] {
        try people().filter(\.pinHere)
    }

    /// Every active person, by name, with `pinHere` false for those who came from the district (issue #18) and
    /// have no PIN on this kiosk yet: the administrator's list of users.
    /// - Throws: database errors.
    public func people() throws -> [User] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, name, roles, language, active, device_id, version, created_at, updated_at, pin_hash <> ? AS pin_here
                FROM app_user WHERE active = 1 ORDER BY name COLLATE NOCASE
                """, arguments: [Self.noPINHere]).compactMap(Self.user(from:))
        }
    }

    /// The stored PIN hash of a person who has no PIN on this kiosk: someone from the district (issue #18), whose
    /// PIN stays on the kiosks where they set it. Matches no PIN (`verifyPIN` is false).
    static let noPINHere = ""

    /// The id of the user called `name`, active or not.
    func userID(named name: String) throws -> UUID? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT id FROM app_user WHERE name = ?", arguments: [name]) }.flatMap(UUID.init(uuidString:))
    }

    /// Makes accounts active or inactive as Kinga's upkeep (the demo's former colleagues; an inactive account
    /// cannot log in or begin a session), audited as `user.activate` or `user.deactivate`.
    func setActive(userIDs: [UUID], _ active: Bool) throws {
        try door(.maintenance) { db in
            for id in userIDs {
                try db.execute(sql: "UPDATE app_user SET active = ? WHERE id = ?", arguments: [active, id.uuidString])
                try audit(db, actor: "Kinga setup", action: active ? "user.activate" : "user.deactivate", detail: id.uuidString)
            }
        }
        // A deactivated user's key slot goes (issue #17); a reactivated one gets a new slot at their next PIN reset.
        for id in userIDs { refreshSlot(for: id) }
    }

    /// Switches a person's account off, as the administrator logged in: they can no longer log in, and (with
    /// encryption at rest) their key slot is removed, so their PIN no longer opens the database (issue #17).
    /// Their cases and timeline entries stay as they are. An administrator cannot switch off their own account.
    /// On a kiosk that joined a district the change goes to every kiosk (issue #18): a person made on another kiosk
    /// may be switched off from here (a volunteer who left), except an administrator of that kiosk, so no kiosk is
    /// ever left without one by another.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in; `UserError.notAllowed` (audited)
    ///   without `manageUsers`, or for one's own account; `UserError.administratorOfAnotherKiosk` (audited);
    ///   `StoreError.notFound`.
    public func deactivateUser(_ userID: UUID) throws {
        let me = try sessionUser("user.deactivate")
        guard me.can(.manageUsers, demo: isDemo), me.id != userID else {
            try auditAlone(actor: me.name, action: "access.denied", detail: "user.deactivate")
            throw UserError.notAllowed
        }
        guard let target = try storedUser(userID) else { throw StoreError.notFound }
        if target.roles.contains(.administrator), let made = target.deviceID, made != deviceID {
            try auditAlone(actor: me.name, action: "access.denied", detail: "user.deactivate \(target.name): administrator of another kiosk")
            throw UserError.administratorOfAnotherKiosk
        }
        try door { db in
            try db.execute(sql: "UPDATE app_user SET active = 0, version = version + 1, updated_at = ? WHERE id = ?",
                           arguments: [ISO8601.format(clock.now), userID.uuidString])
            try audit(db, actor: me.name, action: "user.deactivate", detail: target.name)
        }
        refreshSlot(for: userID)
    }

    /// A user from a row with the columns id, name, roles, language and active of `app_user` (and, when
    /// selected, device_id, version, created_at and updated_at).
    static func user(from r: Row) -> User? {
        guard let id = UUID(uuidString: r["id"]) else { return nil }
        var u = User(id: id, name: r["name"], roles: User.roles(from: r["roles"]), language: r["language"], active: r["active"])
        u.deviceID = (r["device_id"] as String?).flatMap(UUID.init(uuidString:))
        u.version = r["version"]
        u.createdAt = (r["created_at"] as String?).flatMap(ISO8601.parse)
        u.updatedAt = (r["updated_at"] as String?).flatMap(ISO8601.parse)
        if r.hasColumn("pin_here") { u.pinHere = r["pin_here"] }
        return u
    }

    /// Checks a PIN and, when it is right, begins that user's session: the handle in `.success` acts for them,
    /// and every change made through it is theirs (this handle is unchanged). Every failure and lockout is
    /// audited; after 5 failures the account locks with a growing back-off (`PINRule.lockSeconds`), and no PIN is
    /// checked while it is locked.
    /// - Returns: `.success(handle, user)`, `.failed` or `.locked(until:)`.
    /// - Throws: database errors.
    public func login(userID: UUID, pin: String) throws -> LoginResult {
        let now = clock.now
        guard let row = try pool.read({ db in try Row.fetchOne(db, sql: "SELECT * FROM app_user WHERE id = ? AND active = 1", arguments: [userID.uuidString]) }),
              case let roles = User.roles(from: row["roles"]), !roles.isEmpty else {
            try auditAlone(actor: "unknown", action: "login.failed", detail: "no such user")
            return .failed
        }
        let name: String = row["name"]
        if let until = (row["locked_until"] as String?).flatMap(ISO8601.parse), until > now {
            try auditAlone(actor: name, action: "login.refused_locked")
            return .locked(until: until)
        }
        // Verifying takes ~0.1 s of Argon2id on purpose; it runs outside the write lock.
        if Self.verifyPIN(pin, hash: row["pin_hash"]) {
            // A hash made with older limits is replaced by one with the current limits (same PIN).
            let rehashed = kinga_pin_needs_rehash(row["pin_hash"] as String) == 1 ? try? Self.hashPIN(pin) : nil
            try door(.kiosk(name)) { db in
                try db.execute(sql: "UPDATE app_user SET failed_attempts = 0, locked_until = NULL WHERE id = ?", arguments: [userID.uuidString])
                if let h = rehashed { try db.execute(sql: "UPDATE app_user SET pin_hash = ? WHERE id = ?", arguments: [h, userID.uuidString]) }
                try audit(db, actor: name, action: "login.ok")
            }
            let (session, user) = try sessionAndUser(userID: userID)
            return .success(session, user)
        }
        return try door(.kiosk(name)) { db in
            let failures = (try Int.fetchOne(db, sql: "SELECT failed_attempts FROM app_user WHERE id = ?", arguments: [userID.uuidString]) ?? 0) + 1
            let lock = PINRule.lockSeconds(afterFailures: failures)
            let until = lock > 0 ? now.addingTimeInterval(Double(lock)) : nil
            try db.execute(sql: "UPDATE app_user SET failed_attempts = ?, locked_until = ? WHERE id = ?",
                           arguments: [failures, until.map(ISO8601.format), userID.uuidString])
            try audit(db, actor: name, action: "login.failed", detail: "attempt \(failures)")
            if let u = until {
                try audit(db, actor: name, action: "account.locked", detail: "for \(lock) s")
                return .locked(until: u)
            }
            return .failed
        }
    }

    /// Sets a new PIN, as the person logged in: their own (they must give the old one) or, for an
    /// administrator, anyone's (a reset).
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in; `UserError.weakPIN`,
    ///   `.notAllowed` (wrong old PIN, or someone else's PIN without `manageUsers`); `StoreError.notFound`.
    public func setPIN(userID: UUID, newPIN: String, oldPIN: String?) throws {
        let actor = try sessionUser("pin.change")
        if let p = PINRule.problem(newPIN, roles: try storedUser(userID)?.roles ?? [], policy: pinPolicy) { throw UserError.weakPIN(p) }
        guard let hash = try pool.read({ db in try String.fetchOne(db, sql: "SELECT pin_hash FROM app_user WHERE id = ?", arguments: [userID.uuidString]) }) else {
            throw StoreError.notFound
        }
        if actor.id == userID {
            guard let old = oldPIN, Self.verifyPIN(old, hash: hash) else { throw UserError.notAllowed }
        } else {
            guard actor.can(.manageUsers, demo: false) else { throw UserError.notAllowed }
        }
        let newHash = try Self.hashPIN(newPIN)
        guard let target = try storedUser(userID) else { throw StoreError.notFound }
        // The new PIN rewraps this one key slot (issue #17); the database changes only once the slot is written.
        try withSlot(for: target, pin: newPIN) {
            try door { db in
                try db.execute(sql: "UPDATE app_user SET pin_hash = ?, failed_attempts = 0, locked_until = NULL, version = version + 1, updated_at = ? WHERE id = ?",
                               arguments: [newHash, ISO8601.format(clock.now), userID.uuidString])
                try audit(db, actor: actor.name, action: actor.id == userID ? "pin.change" : "pin.reset", detail: userID.uuidString)
            }
        }
    }
}

extension KingaStore {
    /// A deployment setting kept in the database (for example the country profile chosen at first run).
    public func setting(_ key: String) throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: ["setting." + key]) }
    }

    /// Sets a user's language (ISO 639-1 code such as "id"); users may change their own, administrators anyone's.
    /// The handle's `actor` keeps the language it was made with (sessions are values): the screens keep the
    /// language they draw in themselves, and the next login reads the new one.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in; `UserError.notAllowed` for
    ///   someone else's account without `manageUsers`.
    public func setLanguage(userID: UUID, code: String) throws {
        let me = try sessionUser("user.language")
        if me.id != userID, !me.can(.manageUsers, demo: isDemo) { throw UserError.notAllowed }
        try door { db in
            try db.execute(sql: "UPDATE app_user SET language = ? WHERE id = ?", arguments: [code, userID.uuidString])
        }
        refreshSlot(for: userID)
    }

    /// Stores a deployment setting (`key` such as "language", "profile", "theme"), audited as the person
    /// logged in. Who may change what: the colours, anyone logged in; practice scenarios, anyone on the demo;
    /// anything else, an administrator. Settings with a setter of their own (the district's key) are refused
    /// here.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in or the person may not change
    ///   this setting; database errors.
    public func setSetting(_ key: String, _ value: String) throws {
        let me = try sessionUser("setting.change")
        guard Self.mayChangeSetting(key, me, demo: isDemo) else {
            try auditAlone(actor: me.name, action: "access.denied", detail: "setting.change \(key)")
            throw StoreError.accessDenied
        }
        try writeSetting(key, value, as: me)
    }

    /// Settings that only their own setter changes (`setDistrictKey`; the district link's switch).
    static let guardedSettings: Set<String> = ["district_public_key", "district_link"]

    /// Whether `user` may change the setting `key` (see `setSetting`).
    static func mayChangeSetting(_ key: String, _ user: User, demo: Bool) -> Bool {
        if guardedSettings.contains(key) { return false }
        if key == "theme" { return true }
        if key.hasPrefix("practice.") { return demo || user.can(.manageUsers, demo: demo) }
        return user.can(.manageUsers, demo: demo)
    }

    /// Writes a setting, audited as `user`, after the caller checked who may.
    func writeSetting(_ key: String, _ value: String, as me: User) throws {
        try door { db in
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: ["setting." + key, value])
            try audit(db, actor: me.name, action: "setting.change", detail: "\(key) = \(value)")
        }
        mirrorSetting(key, value)
    }

    /// True when this database was filled as the demo (set by `Seeds.fillDemo`, never on a real database).
    public func isDemoDatabase() throws -> Bool {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'demo'") } == "yes"
    }

    /// Marks this database as the demo.
    func markAsDemo() throws {
        try door(.maintenance) { db in try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('demo', 'yes')") }
    }

    /// Creates the first user (administrator and supervisor), only while there is none (checked in the same
    /// transaction: two kiosks on a fresh database cannot both hand out an administrator account), and begins
    /// their session: they have just chosen their PIN.
    /// - Returns: the handle acting for them, and them.
    /// - Throws: `UserError.notAllowed` when a user already exists; the errors of `createUser`.
    @discardableResult
    public func createFirstUser(name: String, pin: String) throws -> (session: KingaStore, user: User) {
        if let p = PINRule.problem(pin, roles: [.administrator, .supervisor], policy: pinPolicy) { throw UserError.weakPIN(p) }
        let clean = TextSafety.clean(name, multiline: false).trimmingCharacters(in: .whitespaces)
        guard !clean.isEmpty else { throw UserError.nameRequired }
        let hash = try Self.hashPIN(pin)
        let id = UUID()
        let roles: Set<Role> = [.administrator, .supervisor]
        let now = ISO8601.format(clock.now)
        try withSlot(for: User(id: id, name: clean, roles: roles), pin: pin) {
            try door(.kiosk(clean)) { db in
                guard try Int.fetchOne(db, sql: "SELECT count(*) FROM app_user") == 0 else { throw UserError.notAllowed }
                try db.execute(sql: """
                    INSERT INTO app_user(id, device_id, created_at, updated_at, name, roles, pin_hash, language)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'en')
                    """, arguments: [id.uuidString, deviceID.uuidString, now, now, clean, User.text(roles), hash])
                try audit(db, actor: clean, action: "user.create", detail: "first user as \(User.text(roles))")
            }
        }
        return try sessionAndUser(userID: id)
    }

    /// True before the first user exists (first run).
    public func needsSetup() throws -> Bool {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM app_user") ?? 0 } == 0
    }
}
