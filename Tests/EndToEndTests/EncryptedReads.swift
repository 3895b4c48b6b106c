import Foundation
import GRDB
@testable import Storage
import Vault

extension TmuxSession {
    /// Reads a database the way `sqlite3 FILE QUERY` prints it (one row per line, columns joined by `|`), also
    /// when it is encrypted (issue #17): the key is taken from the slot of whoever `pin` opens, in memory, with no
    /// audit entry and no session, so what the test reads is exactly what Kinga left.
    /// - Returns: status 0 and the rows, or status 1 and the error.
    static func sqlite(_ db: String, _ query: String, pin: String = "902134") -> (status: Int32, output: String) {
        do {
            var key: DatabaseKey?
            let slots = KeySlotFile.url(forDatabase: URL(fileURLWithPath: db))
            if FileManager.default.fileExists(atPath: slots.path) {
                let file = try KeySlotFile.load(from: slots)
                key = file.users.lazy.compactMap { try? file.unlock(userID: $0.userID, pin: pin) }.first
                guard key != nil else { return (1, "no slot opens with PIN \(pin)") }
            }
            let q = try Opener.queue(db, key: key, readonly: true)
            defer { try? q.close() }
            let rows = try q.read { d in try Row.fetchAll(d, sql: query) }
            let text = rows.map { r in
                r.databaseValues.map { v -> String in
                    switch v.storage {
                    case .null: return ""
                    case .int64(let i): return String(i)
                    case .double(let x): return String(x)
                    case .string(let s): return s
                    case .blob(let b): return String(decoding: b, as: UTF8.self)
                    }
                }.joined(separator: "|")
            }.joined(separator: "\n")
            return (0, text.isEmpty ? "" : text + "\n")
        } catch {
            return (1, "\(error)")
        }
    }

    /// Wrong PINs counted in the first user's key slot of `db` (nil: none, or no slot file).
    static func slotFailures(_ db: String) -> Int? {
        (try? KeySlotFile.load(from: KeySlotFile.url(forDatabase: URL(fileURLWithPath: db))))?.users.first?.failedAttempts
    }
}
