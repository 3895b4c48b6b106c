import Foundation
import Model
import Storage
import Vault

/// The suite's kiosks are encrypted, as every real kiosk is (issue #17): made through the first-run path with a
/// district recovery key, and opened by the harness with that key (nobody logged in, no PIN slot touched), while
/// the real binary opens them with the supervisor's PIN on its login screen.
enum Kiosk {
    /// The district office's key for this run. Made once per process; a subprocess (a writer) logs in with its own
    /// PIN instead.
    nonisolated(unsafe) static var district: DistrictSecretKey = {
        do { return try DistrictSecretKey.generate() } catch { fatalError("libsodium could not make a key: \(error)") }
    }()

    /// A new encrypted kiosk at `db` with its first user (`user`, the suite's supervisor, PIN `pin`, English)
    /// and the district recovery key set, on `clock`; the returned handle is the supervisor's session.
    /// - Throws: `StoreError.cannotOpen` when something is already at `db`; the store's errors.
    static func make(_ db: String, user: String = "Reliability Supervisor", clock: Model.Clock = pinnedClock) throws -> KingaStore {
        guard case .firstRun(let store) = try KingaStore.openKiosk(path: db, clock: clock) else {
            throw StoreError.cannotOpen(path: db, reason: "the suite expected an empty place for a new kiosk")
        }
        let (session, _) = try store.createFirstUser(name: user, pin: pin)
        try session.setSetting("language", "en")
        try session.setDistrictKey(district.publicKey)
        return session
    }

    /// Opens the kiosk at `db` as the district office would, with the recovery key (an old plaintext database as
    /// it is). Nobody is logged in on the returned store.
    /// - Throws: `StoreError.cannotOpen` with a plain reason (damaged key file, another district's key, …).
    static func open(_ db: String) throws -> KingaStore {
        guard let locked = LockedKiosk.at(path: db, clock: pinnedClock) else { return try KingaStore(path: db, clock: pinnedClock) }
        return try locked.unlock(recoveryKey: district)
    }

    /// Opens the kiosk at `db` as `name` with their PIN, as the login screen does: their session begins, on
    /// `clock`.
    /// - Throws: `StoreError.notFound` (no such person), `.accessDenied` (PIN refused or locked out).
    static func open(_ db: String, as name: String, pin: String, clock: Model.Clock = .system) throws -> (KingaStore, User) {
        guard let locked = LockedKiosk.at(path: db, clock: clock) else {
            let store = try KingaStore(path: db, clock: clock)
            return try logIn(store, name: name, pin: pin)
        }
        guard let account = locked.users.first(where: { $0.name == name }) else { throw StoreError.notFound }
        guard case .success(let store, let me) = try locked.unlock(userID: account.id, pin: pin) else { throw StoreError.accessDenied }
        return (store, me)
    }

    /// Holds the database's write lock from another connection for `seconds` (as another writer in the middle of
    /// a long save would), on a thread of its own; `held` is created once the lock is taken. Nothing is kept: the
    /// transaction is rolled back.
    static func holdWriteLock(_ db: String, seconds: UInt32, held: String) throws -> Thread {
        let store = try open(db)
        let thread = Thread {
            struct RollBack: Error {}
            _ = try? store.upkeep { db in
                try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('reliability.lock', '1')")
                FileManager.default.createFile(atPath: held, contents: Data())
                sleep(seconds)
                throw RollBack()
            }
        }
        thread.start()
        return thread
    }
}
