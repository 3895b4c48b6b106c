import Foundation
import GRDB
import Model
import Vault

/// What Kinga finds when it starts on a database path (issue #17), from `KingaStore.openKiosk`.
public enum KioskOpening {
    /// A new kiosk: an encrypted database was just made, with nobody in it yet. The first-run screens make the
    /// first user, whose PIN then opens it.
    case firstRun(KingaStore)
    /// An encrypted database with its key-slot file: the login screen asks who and their PIN before anything
    /// in the database is read.
    case locked(LockedKiosk)
    /// A database made before encryption at rest (no key-slot file beside it): opened as it is.
    case plaintext(KingaStore)
}

/// The result of typing a PIN on the login screen of a locked kiosk.
public enum UnlockResult {
    /// The PIN opened the user's slot: the database is open, and the handle acting for them (their session) is
    /// here with them.
    case success(KingaStore, User)
    /// Wrong PIN, unknown or inactive user (one answer for all, as `LoginResult.failed`).
    case failed
    /// Too many wrong PINs: no PIN is tried for this person until then.
    case locked(until: Date)
}

extension KingaStore {
    /// Opens the kiosk's database the way the full-screen app does (issue #17):
    /// - a key-slot file beside it (`<path>.keys`): `.locked`, nothing read until a PIN opens a slot;
    /// - a database without one (made before encryption at rest): with `encryptPlaintext`, encrypted now with
    ///   every user's PIN kept (`encryptPlaintext(path:clock:derivation:)`) and `.locked`; without, `.plaintext`,
    ///   opened as before (command-line tools, which never change a database's form behind an administrator);
    /// - nothing yet: a new database, encrypted under a random key held only in memory, with a slot file holding no
    ///   slot yet (the first user's PIN makes the first) and the kiosk's inbox key for children's reports: `.firstRun`.
    ///
    /// A slot file with no slot and no recovery slot can open nothing: it is what a first run interrupted before
    /// the first user was made leaves behind (the database it belongs to holds nothing anyone entered). It is
    /// removed with that database and the first run starts again.
    /// - Parameters: `derivation`, the Argon2id limits of new slots (`.standard`; tests pass the fastest);
    ///   `encryptPlaintext`, true for the full-screen app's start (see above).
    /// - Throws: `StoreError.cannotOpen` with a plain reason (a damaged or foreign key-slot file says what to do);
    ///   the errors of `init(path:clock:auditKeyPath:key:)`.
    public static func openKiosk(path: String, clock: Clock, derivation: KeyDerivation = .standard,
                                 encryptPlaintext: Bool = false) throws -> KioskOpening {
        let slotsURL = KeySlotFile.url(forDatabase: URL(fileURLWithPath: path))
        let fm = FileManager.default
        _ = finishInterruptedEncryption(path: path)
        if fm.fileExists(atPath: slotsURL.path) {
            let file: KeySlotFile
            do { file = try KeySlotFile.load(from: slotsURL) } catch let e as VaultError {
                throw StoreError.cannotOpen(path: path, reason: e.description)
            }
            if file.users.isEmpty, file.recovery == nil {
                for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: path + suffix) }
                try? fm.removeItem(at: slotsURL)
                return try .firstRun(createEncrypted(path: path, clock: clock, derivation: derivation))
            }
            return .locked(LockedKiosk(path: path, clock: clock, book: KeySlotBook(url: slotsURL, derivation: derivation)))
        }
        let size = ((try? fm.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
        if size > 0 {
            if encryptPlaintext { return .locked(try Self.encryptPlaintext(path: path, clock: clock, derivation: derivation)) }
            return .plaintext(try KingaStore(path: path, clock: clock))
        }
        return try .firstRun(createEncrypted(path: path, clock: clock, derivation: derivation))
    }

    /// Makes a new encrypted database and its slot file. The slot file is written first (with no slot), so a
    /// start interrupted anywhere leaves a state `openKiosk` recognises and starts again from.
    static func createEncrypted(path: String, clock: Clock, derivation: KeyDerivation) throws -> KingaStore {
        let slotsURL = KeySlotFile.url(forDatabase: URL(fileURLWithPath: path))
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let key = try DatabaseKey.random()
            let inbox = try DistrictSecretKey.generate()
            var file = KeySlotFile(deviceID: UUID())
            file.inboxPublicKey = inbox.publicKey
            try file.write(to: slotsURL)
            let store = try KingaStore(path: path, clock: clock, key: key)
            file.deviceID = store.deviceID
            try file.write(to: slotsURL)
            store.keySlots = KeySlotBook(url: slotsURL, derivation: derivation)
            try store.upkeep { db in
                try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('inbox_secret_key', ?)", arguments: [inbox.recoveryText])
            }
            return store
        } catch let e as VaultError {
            throw StoreError.cannotOpen(path: path, reason: e.description)
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.cannotOpen(path: path, reason: plainReason(error))
        }
    }

    /// After a slot was opened with a PIN: writes the wrong PINs typed before (`failuresBefore`, each as
    /// `login.failed`) and `login.ok` to the audit log, clears the account's lock-out and begins the session.
    /// - Returns: `.success(handle, user)` with the handle acting for them, or `.failed` (audited) when the database
    ///   no longer has this user active.
    func sessionAfterUnlock(userID: UUID, failuresBefore: Int) throws -> LoginResult {
        guard let user = try storedUser(userID), user.active, !user.roles.isEmpty else {
            try auditAlone(actor: "unknown", action: "login.failed", detail: "no such user")
            refreshSlot(for: userID)
            return .failed
        }
        try door(.kiosk(user.name)) { db in
            for attempt in stride(from: 1, through: failuresBefore, by: 1) {
                try audit(db, actor: user.name, action: "login.failed", detail: "attempt \(attempt), before the database was unlocked")
            }
            try db.execute(sql: "UPDATE app_user SET failed_attempts = 0, locked_until = NULL WHERE id = ?", arguments: [userID.uuidString])
            try audit(db, actor: user.name, action: "login.ok", detail: "unlocked the database")
        }
        let (session, stored) = try sessionAndUser(userID: userID)
        return .success(session, stored)
    }
}

/// An encrypted kiosk database before anyone has unlocked it (issue #17): what the login screen may know — the
/// names, roles and languages in the key-slot file, the kiosk's language and colours — and the two things that can
/// be done without a PIN: unlock it with one, and leave a child's report in the sealed inbox.
public final class LockedKiosk: @unchecked Sendable {
    /// The database file.
    public let path: String
    /// Source of "now" (lock-outs, the time a child's report was made).
    public let clock: Clock
    let book: KeySlotBook

    init(path: String, clock: Clock, book: KeySlotBook) {
        self.path = path
        self.clock = clock
        self.book = book
    }

    /// The folder of sealed children's reports waiting for the next unlock: `<database>.inbox`.
    public var inboxFolder: String { path + ".inbox" }

    /// The people who can unlock this kiosk, by name (from their slots; no PIN hint). Empty when the slot file
    /// cannot be read (the unlock then says why).
    public var users: [User] {
        guard let file = try? book.read() else { return [] }
        return file.users.filter(\.active).map { slot in
            User(id: slot.userID, name: slot.name, roles: Set(slot.roles.compactMap(Role.init(rawValue:))), language: slot.language, active: true)
        }.sorted { $0.name.localizedCaseInsensitiveCompare($1.name) == .orderedAscending }
    }

    /// A kiosk setting kept for before the unlock (`language`, `theme`, `profile`), or nil.
    public func setting(_ key: String) -> String? { (try? book.read())?.settings?[key] }

    /// Opens the database with a user's PIN, as the login screen does. Wrong PINs are counted in the user's
    /// slot (five lock it, with `PINRule.lockSeconds`) and written to the audit log at the next unlock.
    /// Takes about 0.1 s of Argon2id (its memory: the slot's, 64 MiB by default).
    /// - Throws: `StoreError.cannotOpen` when the slot file is damaged or the database cannot be opened with
    ///   the key (a plain reason); database errors.
    public func unlock(userID: UUID, pin: String) throws -> UnlockResult {
        let now = clock.now
        let file: KeySlotFile
        do { file = try book.read() } catch let e as VaultError { throw StoreError.cannotOpen(path: path, reason: e.description) }
        guard let slot = file.users.first(where: { $0.userID == userID }), slot.active else { return .failed }
        if let until = slot.lockedUntil, until > now { return .locked(until: until) }
        let key: DatabaseKey
        do { key = try file.unlock(userID: userID, pin: pin) } catch VaultError.wrongPIN {
            return try book.update { f -> UnlockResult in
                guard let i = f.users.firstIndex(where: { $0.userID == userID }) else { return .failed }
                let failures = (f.users[i].failedAttempts ?? 0) + 1
                f.users[i].failedAttempts = failures
                let lock = PINRule.lockSeconds(afterFailures: failures)
                guard lock > 0 else { return .failed }
                let until = now.addingTimeInterval(Double(lock))
                f.users[i].lockedUntil = until
                return .locked(until: until)
            }
        } catch let e as VaultError {
            throw StoreError.cannotOpen(path: path, reason: e.description)
        }
        let store = try KingaStore(path: path, clock: clock, key: key)
        store.keySlots = book
        switch try store.sessionAfterUnlock(userID: userID, failuresBefore: slot.failedAttempts ?? 0) {
        case .success(let session, let user):
            let weaker = slot.memlimit < book.derivation.memlimit || slot.opslimit < book.derivation.opslimit
            _ = try? book.update { f in
                guard let i = f.users.firstIndex(where: { $0.userID == userID }) else { return }
                f.users[i].failedAttempts = nil; f.users[i].lockedUntil = nil
                // A slot made from a stored PIN hash (a migrated or restored kiosk: 19 MiB, 2 passes) is wrapped
                // again at this kiosk's limits now that the PIN is at hand, so the threat model's figures hold.
                if weaker {
                    let s = f.users[i]
                    try? f.setUser(KeySlotUser(id: s.userID, name: s.name, roles: s.roles, language: s.language, active: s.active),
                                   pin: pin, key: key, derivation: book.derivation)
                }
            }
            store.takeChildInbox(from: inboxFolder)
            return .success(session, user)
        case .failed, .locked:
            return .failed
        }
    }

    /// Opens the database with the district office's recovery key, with nobody logged in (a district officer's
    /// `kinga check`, `restore` or `audit verify` when no user's PIN is at hand).
    /// - Throws: `StoreError.cannotOpen` with a plain reason (no recovery slot yet, not this district's key).
    public func unlock(recoveryKey: DistrictSecretKey) throws -> KingaStore {
        do {
            let key = try book.read().unlock(recoveryKey: recoveryKey)
            let store = try KingaStore(path: path, clock: clock, key: key)
            store.keySlots = book
            store.takeChildInbox(from: inboxFolder)
            return store
        } catch let e as VaultError {
            throw StoreError.cannotOpen(path: path, reason: e.description)
        }
    }

    /// The locked kiosk at `path` when it has a key-slot file, else nil (a plaintext database, or none). Reads
    /// nothing else: the database may be missing or damaged (a restore).
    public static func at(path: String, clock: Clock) -> LockedKiosk? {
        let url = KeySlotFile.url(forDatabase: URL(fileURLWithPath: path))
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return LockedKiosk(path: path, clock: clock, book: KeySlotBook(url: url, derivation: .standard))
    }

    /// Replaces the database with a backup of this kiosk (see `KingaStore.restore`), with the key opened by a
    /// user's PIN: the database itself need not open (it may be the damaged one being replaced).
    /// - Throws: `StoreError.cannotOpen` for a wrong PIN or a damaged key-slot file; `StoreError.backupDamaged`
    ///   for a backup that is damaged or from another kiosk (this kiosk's key does not open it).
    @discardableResult
    public func restore(from backup: String, userID: UUID, pin: String) throws -> String? {
        let key: DatabaseKey
        do { key = try book.read().unlock(userID: userID, pin: pin) } catch VaultError.wrongPIN {
            throw StoreError.cannotOpen(path: path, reason: "that PIN is not right. Nothing was restored.")
        } catch let e as VaultError {
            throw StoreError.cannotOpen(path: path, reason: e.description)
        }
        return try KingaStore.restore(from: backup, to: path, clock: clock, key: key)
    }

    /// Replaces the database with a backup of this kiosk, with the key opened by the district office's recovery
    /// key (this kiosk's recovery slot, or the one written beside the backup).
    /// - Throws: `StoreError.cannotOpen` when neither slot opens with this recovery key; as `restore(from:userID:pin:)`.
    @discardableResult
    public func restore(from backup: String, recoveryKey: DistrictSecretKey) throws -> String? {
        let own = try? book.read().unlock(recoveryKey: recoveryKey)
        let beside = try? KeySlotFile.load(from: KeySlotFile.url(forDatabase: URL(fileURLWithPath: backup))).unlock(recoveryKey: recoveryKey)
        guard let key = own ?? beside else {
            throw StoreError.cannotOpen(path: backup, reason: VaultError.wrongRecoveryKey.description)
        }
        return try KingaStore.restore(from: backup, to: path, clock: clock, key: key)
    }

    /// Changes a kiosk setting kept for before the unlock (`language` or `theme`, chosen on the login screen).
    /// Not audited: it says nothing about anyone.
    public func setSetting(_ key: String, _ value: String) {
        guard ["language", "theme"].contains(key) else { return }  // the profile is an administrator's, after unlock
        _ = try? book.update { f in f.settings = (f.settings ?? [:]).merging([key: value]) { $1 } }
    }

    /// Leaves a child's report, made with nobody logged in, in the kiosk's inbox: sealed to the inbox key (only
    /// the secret key inside the encrypted database opens it), one file per report, written whole or not at all.
    /// It enters the intake queue, with the time it was made, when someone next unlocks the database.
    /// - Throws: `StoreError.cannotOpen` when the kiosk has no inbox key or the file cannot be written (the
    ///   screen keeps the answers and says so).
    public func submitChildReport(_ report: Report, language: String) throws {
        guard let inboxKey = (try? book.read())?.inboxPublicKey else {
            throw StoreError.cannotOpen(path: inboxFolder, reason: "this kiosk has no inbox key yet. Ask an adult to log in, then try again.")
        }
        let item = ChildInboxItem(report: report, language: language, madeAt: ISO8601.format(clock.now))
        var sealed = Data()
        do {
            let writer = try SealedFile.Writer(to: inboxKey) { sealed.append($0) }
            try writer.append(JSONEncoder().encode(item))
            try writer.finish()
        } catch {
            throw StoreError.cannotOpen(path: inboxFolder, reason: "the report could not be sealed (\(error)).")
        }
        let fm = FileManager.default
        let name = UUID().uuidString
        let temp = inboxFolder + "/." + name + ".tmp"
        do {
            try fm.createDirectory(atPath: inboxFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            guard fm.createFile(atPath: temp, contents: sealed, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown)
            }
            try fm.moveItem(atPath: temp, toPath: inboxFolder + "/" + name + "." + SealedFile.fileExtension)
        } catch {
            try? fm.removeItem(atPath: temp)
            throw StoreError.cannotOpen(path: inboxFolder, reason: KingaStore.plainReason(error))
        }
    }
}

/// One child's report in the sealed inbox (JSON inside a `SealedFile`).
struct ChildInboxItem: Codable {
    var report: Report
    var language: String
    /// When the child made it (ISO 8601, this kiosk's clock).
    var madeAt: String
}

extension KingaStore {
    /// Moves every sealed child's report in `folder` into the intake queue, each in its own transaction with the
    /// time it was made, then removes its file. A file taken once is never taken again (its name is recorded in
    /// the same transaction, so a crash between the commit and the removal cannot make two cases). A file that
    /// cannot be opened is set aside as `<name>.unreadable` and audited; nothing stops the unlock.
    func takeChildInbox(from folder: String) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder) else { return }
        let sealedNames = names.filter { $0.hasSuffix("." + SealedFile.fileExtension) && !$0.hasPrefix(".") }.sorted()
        guard !sealedNames.isEmpty,
              let secretText = try? pool.read({ db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'inbox_secret_key'") }),
              let secret = try? DistrictSecretKey(recoveryText: secretText) else { return }
        for name in sealedNames {
            let file = folder + "/" + name
            let taken = "inbox_taken." + name
            do {
                if try pool.read({ db in try Bool.fetchOne(db, sql: "SELECT 1 FROM meta WHERE key = ?", arguments: [taken]) }) == true {
                    try fm.removeItem(atPath: file)
                    continue
                }
                let item = try JSONDecoder().decode(ChildInboxItem.self, from: SealedFile.open(Data(contentsOf: URL(fileURLWithPath: file)), with: secret))
                try registerChildReport(item.report, language: item.language, madeAt: ISO8601.parse(item.madeAt) ?? clock.now) { db in
                    try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?)", arguments: [taken, ISO8601.format(clock.now)])
                }
                try? fm.removeItem(atPath: file)
            } catch {
                try? fm.moveItem(atPath: file, toPath: file + ".unreadable")
                try? auditAlone(actor: Self.childSessionActor, action: "inbox.unreadable", detail: name)
            }
        }
    }
}
