import ArgumentParser
import Exports
import Foundation
import Model
import Storage
import TUI
import Vault

/// How a command-line tool gets at the database (issues #16 and #17): who is asking, and what they may do.
struct ToolAccess {
    /// The name as on the login screen (case and accents ignored), or nil for a tool that reads only and may,
    /// on a plaintext database, run without one.
    var user: String?
    /// The past participle for "Nothing was …" ("exported", "added", "checked").
    var purpose: String
    /// Whether the account's roles allow the command (`demo`: the database is the demo).
    var allowed: (User, _ demo: Bool) -> Bool = { _, _ in true }
    /// Records the refusal (on the store when it is open) and returns the message to print.
    var refused: (User, KingaStore?) -> String = { account, _ in "\(account.name) may not do this." }
    /// Checks to make before the PIN is asked (so a typo costs no PIN); the store is nil on a locked kiosk.
    var before: (KingaStore?) throws -> Void = { _ in }
}

extension DatabaseChoice {
    /// Opens the database for a command-line tool and, when `access.user` is given, logs that person in as the
    /// login screen would: their name, a role check, then their PIN (read without echo, or from the first line
    /// of a non-terminal input). On an encrypted kiosk (issue #17) the PIN is what unlocks the database; without
    /// a user, `--recovery-key FILE` (the district office's) unlocks it with nobody logged in.
    /// - Returns: the store — the handle acting for the person logged in, when one was asked for — and that
    ///   person (nil when no user was asked for).
    /// - Throws: `Failure` with a plain message (no such user, not allowed, no PIN, wrong PIN, locked account, an
    ///   encrypted database with neither a user nor a recovery key).
    func open(_ access: ToolAccess) throws -> (KingaStore, User?) {
        let (path, clock) = try resolve()
        let opening: KioskOpening
        do { opening = try KingaStore.openKiosk(path: path, clock: clock) } catch { throw Failure(message: "\(error)") }
        switch opening {
        case .firstRun:
            throw Failure(message: "There is no database at \(path).")
        case .plaintext(let store):
            store.isDemo = (try? store.isDemoDatabase()) ?? false
            guard let name = access.user else { return (store, nil) }
            let (session, me) = try logIn(store, user: name, access)
            return (session, me)
        case .locked(let locked):
            if let name = access.user {
                let account = try Self.account(name, in: locked.users)
                guard access.allowed(account, false) else { throw Failure(message: access.refused(account, nil)) }
                try access.before(nil)
                let pin = try Self.readPIN(for: account, purpose: access.purpose)
                let result: UnlockResult
                do { result = try locked.unlock(userID: account.id, pin: pin) } catch { throw Failure(message: "\(error)") }
                switch result {
                case .success(let store, let me): return (store, me)
                case .locked(let until): throw Self.lockedOut(account, until)
                case .failed: throw Failure(message: "That PIN is not right. Nothing was \(access.purpose).")
                }
            }
            guard let file = recoveryKey else {
                throw Failure(message: "This database is encrypted. Add --user NAME (you will be asked for your PIN), or --recovery-key FILE with the district office's recovery key.")
            }
            let secret = try Self.recoveryKey(file)
            do { return (try locked.unlock(recoveryKey: secret), nil) } catch { throw Failure(message: "\(error)") }
        }
    }

    /// Reads the district office's recovery key from `file` (the text `kinga office new-key` printed).
    /// - Throws: `Failure` when the file cannot be read or holds no recovery key.
    static func recoveryKey(_ file: String) throws -> DistrictSecretKey {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw Failure(message: "Cannot read the recovery key file \(file).")
        }
        do { return try DistrictSecretKey(recoveryText: text) } catch { throw Failure(message: "\(error)") }
    }

    /// The active account called `name` (case and accents ignored).
    static func account(_ name: String, in users: [User]) throws -> User {
        guard let account = users.first(where: { $0.name.compare(name, options: [.caseInsensitive, .diacriticInsensitive]) == .orderedSame }) else {
            throw Failure(message: "There is no active user called \"\(name)\". Use your name as it appears on the login screen.")
        }
        return account
    }

    /// Asks for the PIN (see `PINInput`). Throws `Failure` when nothing was typed.
    static func readPIN(for account: User, purpose: String) throws -> String {
        guard let pin = PINInput.read(prompt: "PIN for \(account.name): ") else {
            throw Failure(message: "No PIN was typed. Nothing was \(purpose).")
        }
        return pin
    }

    /// The message for a locked account.
    static func lockedOut(_ account: User, _ until: Date) -> Failure {
        Failure(message: "Too many wrong PINs: \(account.name)'s account is locked until \(ISO8601.format(until).prefix(16).replacingOccurrences(of: "T", with: " ")) UTC.")
    }

    /// Logs a person in on an open (plaintext) store from the command line. See `open(_:)`.
    private func logIn(_ store: KingaStore, user: String, _ access: ToolAccess) throws -> (KingaStore, User) {
        let account = try Self.account(user, in: try store.users())
        guard access.allowed(account, store.isDemo) else { throw Failure(message: access.refused(account, store)) }
        try access.before(store)
        let pin = try Self.readPIN(for: account, purpose: access.purpose)
        switch try store.login(userID: account.id, pin: pin) {
        case .success(let session, let me): return (session, me)
        case .locked(let until): throw Self.lockedOut(account, until)
        case .failed: throw Failure(message: "That PIN is not right. Nothing was \(access.purpose).")
        }
    }
}
