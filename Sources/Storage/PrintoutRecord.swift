import Foundation
import GRDB
import Model

/// What a printout (issue #8) needs of the database, for the Exports target that writes the files: the check
/// before anything is written, and the trace after.
extension KingaStore {
    /// Refuses a printout about case `caseID` unless the person logged in may work on that case; checked
    /// before any file is written.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in or the user may not work on this case.
    package func mayPrint(caseID: UUID) throws {
        _ = try sessionUser("case.printout", caseID: caseID)
        try door { db in try requireEdit(db, caseID: caseID) }
    }

    /// Records a printout of case `caseID` that was written as `files`: `fact` (an `EventFact(.printed, …)`) with
    /// the files added goes on the case's timeline and an entry on the audit log, both the session user's, in one
    /// transaction.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in or the user may not work on this
    ///   case; database errors.
    package func recordPrintout(caseID: UUID, fact: EventFact, files: [String], baseName: String) throws {
        let me = try sessionUser("case.printout", caseID: caseID)
        try door { db in
            var printed = fact
            printed.args["files"] = files.joined(separator: "\n")
            try insertEvent(db, caseID: caseID, at: clock.now, fact: printed, author: me.name)
            try audit(db, actor: me.name, action: "case.printout", caseID: caseID, detail: "\(baseName): \(files.count) file(s)")
        }
    }
}
