import Foundation
import GRDB
import Model

/// Whose eyes a read of cases is for: the case list and its counts, the home screen's numbers, Due today,
/// referrals and possible duplicates all take one, with no default.
///
/// Before issue #16 these reads took `viewer: User? = nil`, and a call that forgot the viewer saw every case
/// (a focal point's screen could list cases that are not theirs). Now a forgotten viewer does not compile,
/// and reading the whole database has to be asked for by name.
public enum Viewer: Hashable, Sendable {
    /// The person logged in on this store (`KingaStore.actor`), limited to what their role allows (`Access`):
    /// a focal point sees their own cases and the intake queue, supervisors and administrators every case, a
    /// trainer every case of the demo. The session's user is the one that counts: a value for anyone else is
    /// refused (`StoreError.accessDenied`, audited), and roles are read from the session, never from the value
    /// passed.
    case user(User)
    /// Kinga's own tools with nobody logged in: the start-up check whether a database is empty, backups and
    /// checks, the benchmark, the reliability suite and tests. Every case. Refused (`StoreError.accessDenied`,
    /// audited) while a person is logged in on this store, so no screen can read through it.
    case systemMaintenance
}

extension KingaStore {
    /// A handle acting for a user who has already proved who they are. Internal: outside Storage a session
    /// begins only with a right PIN (`login`, `createFirstUser`, `LockedKiosk.unlock`); inside, the demo seeder
    /// acts as each of its seeded colleagues this way, and headless tests begin their fixtures'. The user is read
    /// from the database by id: the session's name and roles are the stored ones, whatever else the caller holds,
    /// so nobody can act under a name that is not a user's. Every change made through the returned handle is
    /// recorded as this user's, and reads for `.user` are limited to what they may see. This handle is unchanged.
    /// - Returns: the new handle; its `actor` is the user as stored.
    /// - Throws: `StoreError.accessDenied` (audited) when no active user has this id.
    func beginSession(userID: UUID) throws -> KingaStore {
        try sessionAndUser(userID: userID).session
    }

    /// `beginSession(userID:)`, with the user as stored beside the handle.
    func sessionAndUser(userID: UUID) throws -> (session: KingaStore, user: User) {
        let stored = try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, name, roles, language, active, device_id, version, created_at, updated_at FROM app_user WHERE id = ? AND active = 1",
                             arguments: [userID.uuidString]).flatMap(Self.user(from:))
        }
        guard let user = stored, !user.roles.isEmpty else {
            try auditAlone(actor: "unknown", action: "access.denied", detail: "session.begin")
            throw StoreError.accessDenied
        }
        return (KingaStore(sharing: self, actor: user), user)
    }

    /// The user logged in, who will be recorded as making the change `what` (an audit action such as
    /// `case.note`).
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in: a change always has an actor.
    func sessionUser(_ what: String, caseID: UUID? = nil) throws -> User {
        guard let a = actor else {
            try auditAlone(actor: "nobody logged in", action: "access.denied", caseID: caseID, detail: what)
            throw StoreError.accessDenied
        }
        return a
    }

    /// The user whose permissions limit a read for `viewer`, or nil for the whole database (`.systemMaintenance`).
    /// - Throws: `StoreError.accessDenied` (audited) for a user who is not the one logged in, and for
    ///   `.systemMaintenance` while someone is.
    func reader(_ viewer: Viewer) throws -> User? {
        switch viewer {
        case .user(let u):
            guard let a = actor, a.id == u.id else {
                try auditAlone(actor: u.name, action: "access.denied", detail: "read without a session")
                throw StoreError.accessDenied
            }
            return a
        case .systemMaintenance:
            if let a = actor {
                try auditAlone(actor: a.name, action: "access.denied", detail: "maintenance read during a session")
                throw StoreError.accessDenied
            }
            return nil
        }
    }

    /// `scope(_:_:)` for a read by `viewer` (see `reader`).
    func scope(_ viewer: Viewer, _ alias: String = "c") throws -> (sql: String, args: StatementArguments) {
        scope(try reader(viewer), alias)
    }

    /// `scopeValues(_:_:)` for a read by `viewer` (see `reader`).
    func scopeValues(_ viewer: Viewer, _ alias: String = "c") throws -> (sql: String, args: SQLArgs) {
        scopeValues(try reader(viewer), alias)
    }

    /// Adds a user as upkeep (`seedUser`, through the handle with nobody logged in). Internal: the fixtures of
    /// headless tests.
    /// - Returns: the new user.
    @discardableResult
    func addTestUser(name: String, roles: Set<Role>, pin: String, language: String = "en", checkPIN: Bool = true) throws -> User {
        try withoutSession.seedUser(name: name, roles: roles, pin: pin, language: language, checkPIN: checkPIN)
    }

    /// A handle acting for `user`, begun without a PIN. Internal: headless tests' stand-in for the PIN.
    /// - Throws: as `beginSession(userID:)`.
    func acting(_ user: User) throws -> KingaStore {
        try beginSession(userID: user.id)
    }
}
