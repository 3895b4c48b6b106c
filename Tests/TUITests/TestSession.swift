import Model
@testable import Storage

extension KingaStore {
    /// What a test reads cases as: the session's user when someone is logged in, else the whole database.
    var testViewer: Viewer { actor.map(Viewer.user) ?? .systemMaintenance }

}
