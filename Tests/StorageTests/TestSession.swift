import Foundation
@testable import Model
@testable import Storage

extension KingaStore {
    /// Begins the session of the test supervisor "Tess Supervisor" (her account is made the first time): every
    /// change needs a logged-in actor. - Returns: her user.
    @discardableResult
    func actAsTestSupervisor() throws -> User {
        endSession()
        let id = try userID(named: "Tess Supervisor") ?? createUser(name: "Tess Supervisor", roles: [.supervisor], pin: "tess-pin-2026", createdBy: "test").id
        return try beginSession(userID: id)
    }

    /// What a test reads cases as: the session's user when someone is logged in, else the whole database.
    var testViewer: Viewer { actor.map(Viewer.user) ?? .systemMaintenance }
}
