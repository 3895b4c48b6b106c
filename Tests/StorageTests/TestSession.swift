import GRDB
import Foundation
@testable import Model
@testable import Storage

extension KingaStore {
    /// A handle acting for the test supervisor "Tess Supervisor" (her account is made the first time): every
    /// change needs a logged-in actor. - Returns: her handle (`actor` is her user).
    func actAsTestSupervisor() throws -> KingaStore {
        let id = try userID(named: "Tess Supervisor") ?? addTestUser(name: "Tess Supervisor", roles: [.supervisor], pin: "tess-pin-2026").id
        return try beginSession(userID: id)
    }

    /// The handle a right PIN gives (`login`), for a test that goes on as that person.
    /// - Throws: `StoreError.accessDenied` when the PIN is refused or the account locked.
    func loggedIn(userID: UUID, pin: String) throws -> KingaStore {
        guard case .success(let session, _) = try login(userID: userID, pin: pin) else { throw StoreError.accessDenied }
        return session
    }

    /// What a test reads cases as: the session's user when someone is logged in, else the whole database.
    var testViewer: Viewer { actor.map(Viewer.user) ?? .systemMaintenance }


    /// Runs `body` on a connection of its own to the store's file, as someone outside Kinga would (a
    /// tamperer, another program, an older version): the door's guard lives in Kinga's own connection, so
    /// this is how a test changes rows behind Kinga's back.
    func outsideKinga<T>(_ body: (Database) throws -> T) throws -> T {
        let q = try Opener.queue(path, key: key)   // encrypted runs: the store's own key
        defer { try? q.close() }
        return try q.write(body)
    }
}
