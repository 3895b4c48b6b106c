import Foundation
import GRDB
import Model

/// Why a case could not be pinned to a kiosk.
public enum CasePinError: Error, Equatable, Sendable {
    /// The code is not a kiosk code (K and 2 to 4 letters or digits).
    case badKioskCode
    /// The code is this kiosk's own: it holds the case already.
    case thisKiosk
}

extension KingaStore {
    /// The session's supervisor asks that another kiosk of the district hold a case (issue #18, "cases a supervisor
    /// pinned"): for a child staying in another kiosk's village, or a case a focal point there must follow. Recorded
    /// as a timeline entry (`EventFact.Kind.casePinned`, kiosk and supervisor), in one transaction with its outbox
    /// entry; when it reaches the district server, the server keeps the pin and sends that kiosk the case whole (the
    /// same as `kinga-server case pin`), and the kiosk receives every later change of it.
    /// - Parameters: `caseID`, an open or closed case this kiosk holds; `kiosk`, the code as typed (`k03` is `K03`).
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in or the user may not give cases to others
    ///   (supervisors); `DistrictJoinError.notLinked` on a kiosk that has not joined a district; `CasePinError` for a
    ///   code that is not one, or this kiosk's own; `StoreError.notFound`.
    public func pinCase(caseID: UUID, to kiosk: String) throws {
        let supervisor = try sessionUser("pin", caseID: caseID)
        guard AssignmentRule.mayReassign(roles: supervisor.roles, demo: isDemo), !isDemo else {
            try auditAlone(actor: supervisor.name, action: "access.denied", caseID: caseID, detail: "pin")
            throw StoreError.accessDenied
        }
        guard let link = try districtLink() else { throw DistrictJoinError.notLinked }
        guard let code = KioskCode(kiosk.trimmingCharacters(in: .whitespaces).uppercased()) else { throw CasePinError.badKioskCode }
        guard code != link.kioskCode else { throw CasePinError.thisKiosk }
        try door { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM case_record WHERE id = ?", arguments: [caseID.uuidString]) != nil else {
                throw StoreError.notFound
            }
            try insertEvent(db, caseID: caseID, at: clock.now, fact: AssignmentRule.pinned(to: code.rawValue, by: supervisor.name), author: supervisor.name)
        }
    }
}
