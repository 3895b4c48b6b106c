import GRDB
import Foundation
@testable import Model
@testable import Storage

extension KingaStore {
    /// Begins the session of the test supervisor "Tess Supervisor" (her account is made the first time): every
    /// change needs a logged-in actor. - Returns: her user.
    @discardableResult
    func actAsTestSupervisor() throws -> User {
        endSession()
        let id = try userID(named: "Tess Supervisor") ?? addTestUser(name: "Tess Supervisor", roles: [.supervisor], pin: "tess-pin-2026").id
        return try beginSession(userID: id)
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
