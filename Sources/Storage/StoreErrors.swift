import Foundation
import GRDB
import Model
import Vault

/// Errors Storage reports in words a screen can turn into a kind message.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The user's role does not allow this (the attempt is in the audit log).
    case accessDenied
    /// The case was changed by someone else since it was read (optimistic concurrency).
    case changedElsewhere
    /// No such case or draft.
    case notFound
    /// The report is not complete; the screen should have stopped this earlier.
    case invalidReport([ReportField])
    /// The database file could not be opened (path and the underlying reason).
    case cannotOpen(path: String, reason: String)
    /// A backup (path) is not a sound Kinga database: it fails SQLite's check or is something else.
    case backupDamaged(String)
    /// The database (path) failed SQLite's check when opened: Kinga did not open it, so nothing was written.
    case damaged(String)
    /// This unfinished report was already saved as the case with this number (in another session, or on
    /// another terminal of the same person): it is never written or saved again (issue #14: a "ghost draft"
    /// that became a second case).
    case draftSavedAsCase(CaseNumber)
    /// Another session wrote a newer version of this unfinished report since this one read it.
    case draftContinuedElsewhere

    public var description: String {
        switch self {
        case .accessDenied: return "This case is not assigned to you. Ask your supervisor if you need to work on it."
        case .changedElsewhere: return "Someone else changed this case while you were working on it. Their change is shown at the top; your answers are still here."
        case .notFound: return "That record could not be found."
        case .invalidReport(let f): return "The report is missing: \(f.map(\.rawValue).joined(separator: ", "))."
        case .cannotOpen(let path, let reason): return "Kinga could not open its database at \(path): \(reason)"
        case .damaged(let path): return "The database at \(path) is damaged. Kinga has not opened it, so nothing more can be lost. Go back to the newest backup (kinga check lists them; kinga restore FILE --yes), and keep the damaged file for a technician."
        case .backupDamaged(let path): return "\(path) is not a sound Kinga backup of this kiosk (it is damaged, it is another kind of file, or it was made on another kiosk and this kiosk's key does not open it). Nothing was changed. Choose another backup, or use the district office's recovery key (--recovery-key FILE)."
        case .draftSavedAsCase(let n): return "This report was already saved as \(n) in another session, so it is not saved again. Add anything missing to \(n) as a note."
        case .draftContinuedElsewhere: return "This unfinished report was continued in another session since you opened it."
        }
    }
}

/// What went wrong with the database itself, for a kind message (the exact SQLite error goes to no screen).
public enum DatabaseProblem: String, Sendable {
    /// Another session held the database longer than the busy timeout.
    case busy
    /// The disk (or the file system holding the database) is full.
    case full
    /// The file or its folder may not be written.
    case readOnly
    /// SQLite found damage.
    case damaged
    /// Reading or writing the file failed (a disk error, a removed USB stick).
    case io
}

extension KingaStore {
    /// The kind of database trouble behind `error`, or nil when it is not a database error.
    public static func problem(in error: Error) -> DatabaseProblem? {
        guard let e = error as? DatabaseError else { return nil }
        switch e.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy
        case .SQLITE_FULL: return .full
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH: return .readOnly
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .damaged
        default: return .io
        }
    }
}
