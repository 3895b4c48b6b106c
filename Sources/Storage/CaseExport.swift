import CSV
import Foundation
import GRDB
import Vault
import Model

/// Case-level exports for administrators and supervisors (issue #8): one record per case, pseudonymised by
/// default (no names, contacts or free text), with the identifying fields only when asked for.
public enum CaseExport {
    /// File formats: JSON (one object with a `cases` array, UTF-8) or CSV (RFC 4180, UTF-8, CRLF, header row).
    public enum Format: String, CaseIterable, Sendable { case json, csv }

    /// How far an export has come, reported after every batch.
    public struct Progress: Sendable, Equatable {
        /// Cases written so far.
        public var done: Int
        /// Cases the export will write (counted when it started).
        public var total: Int
        /// Seconds since the export started.
        public var elapsed: Double
        /// Seconds still needed at the rate so far; nil before the first batch.
        public var remaining: Double? {
            guard done > 0, total >= done else { return nil }
            return elapsed / Double(done) * Double(total - done)
        }
        /// - Parameters: cases written, cases to write, seconds since the start.
        public init(done: Int, total: Int, elapsed: Double) {
            self.done = done
            self.total = total
            self.elapsed = elapsed
        }
    }

    /// Why an export did not finish. In every case no file is left at the destination.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The user's role may not export cases (focal points; trainers outside the demo).
        case notAllowed(role: String)
        /// The user cancelled (Ctrl-C); the partial file was removed.
        case cancelled(done: Int)
        /// The destination already exists; Kinga never overwrites an export.
        case exists(String)
        /// The file could not be written (path, reason).
        case cannotWrite(String, String)
        /// An identifying export needs the district office's public key, and this kiosk has none yet.
        case noDistrictKey

        public var description: String {
            switch self {
            case .notAllowed(let role): return "A \(role) may not export cases. Only supervisors and administrators may; ask your supervisor."
            case .cancelled(let n): return "Export cancelled after \(n) cases. No file was written."
            case .exists(let p): return "\(p) already exists. Choose another file name; Kinga never writes over an export."
            case .cannotWrite(let p, let why): return "Could not write \(p): \(why)"
            case .noDistrictKey: return "Exports with names are sealed so that only the district office can open them, and this kiosk does not have the office's public key yet. An administrator adds it with: kinga district-key set FILE --user NAME. Nothing was exported."
            }
        }
    }

    /// The columns of a pseudonymised export, in order (CSV header; JSON keys are the same).
    public static let columns = ["case_number", "status", "urgent", "risk_level", "registered_on", "last_activity_on", "closed_on",
                                 "closure_reason", "sex", "age_years", "village", "concerns", "assigned_to", "next_follow_up",
                                 "referrals"]
    /// The columns added with identifying fields.
    public static let identifyingColumns = ["child_name", "other_names", "date_of_birth", "caregiver", "reporter_kind",
                                            "reporter_name", "reporter_contact", "when_happened", "where_happened", "narrative"]

    /// The head of a JSON export: when, by whom, how many, and what was left out.
    public struct About: Codable, Equatable, Sendable {
        /// UTC, ISO 8601.
        public var exportedAt: String
        /// The user who exported (name as on the login screen).
        public var exportedBy: String
        /// Cases counted when the export started.
        public var cases: Int
        /// Names, contacts, dates of birth and the report's words are in the file.
        public var identifying: Bool
        /// The report's story and referral reasons are in the file (supervisors only).
        public var narratives: Bool
        enum CodingKeys: String, CodingKey {
            case exportedAt = "exported_at", exportedBy = "exported_by", cases, identifying, narratives
        }
    }

    /// One referral inside an exported case.
    public struct ReferralLine: Codable, Equatable, Sendable {
        /// Service type id (`health`, `police`, …).
        public var service: String
        /// The provider's name from the directory.
        public var provider: String
        /// `pending`, `accepted`, `declined`, `completed` or `withdrawn`.
        public var status: String
        public var urgent: Bool
        /// YYYY-MM-DD.
        public var sentOn: String
        /// YYYY-MM-DD of the provider's answer, if any.
        public var respondedOn: String?
        /// The reason typed by the focal point (free text about the child): only in identifying exports by a role
        /// that reads narratives; JSON only (the CSV's referrals column lists service, status and date).
        public var reason: String?
        enum CodingKeys: String, CodingKey {
            case service, provider, status, urgent, reason
            case sentOn = "sent_on", respondedOn = "responded_on"
        }
    }

    /// One exported case. Optional identifying fields are nil (and absent from JSON) in a pseudonymised export.
    ///
    /// Always present: case number (`KG-2026-0042`), status, urgent, risk level (`high`/`medium`/`low`, nil when
    /// not assessed), dates as YYYY-MM-DD (registered, last activity, closed), closure reason id, sex, age in
    /// whole years on the export day, village, concern ids, the assignee's name, the next follow-up and the
    /// referrals. Identifying only: child name, other names, date of birth, caregiver, reporter kind, name and
    /// contact, when and where it happened, and the narrative (or "[withheld…]" for roles that do not read it).
    public struct Line: Codable, Equatable, Sendable {
        public var caseNumber: String
        public var status: String
        public var urgent: Bool
        public var riskLevel: String?
        public var registeredOn: String
        public var lastActivityOn: String
        public var closedOn: String?
        public var closureReason: String?
        public var sex: String
        public var ageYears: Int?
        public var village: String
        public var concerns: [String]
        public var assignedTo: String?
        public var nextFollowUp: String?
        public var referrals: [ReferralLine]
        public var childName: String?
        public var otherNames: String?
        public var dateOfBirth: String?
        public var caregiver: String?
        public var reporterKind: String?
        public var reporterName: String?
        public var reporterContact: String?
        public var whenHappened: String?
        public var whereHappened: String?
        public var narrative: String?

        enum CodingKeys: String, CodingKey {
            case caseNumber = "case_number", status, urgent, riskLevel = "risk_level", registeredOn = "registered_on"
            case lastActivityOn = "last_activity_on", closedOn = "closed_on", closureReason = "closure_reason", sex
            case ageYears = "age_years", village, concerns, assignedTo = "assigned_to", nextFollowUp = "next_follow_up", referrals
            case childName = "child_name", otherNames = "other_names", dateOfBirth = "date_of_birth", caregiver
            case reporterKind = "reporter_kind", reporterName = "reporter_name", reporterContact = "reporter_contact"
            case whenHappened = "when_happened", whereHappened = "where_happened", narrative
        }

        /// The CSV row for `columns` (+ `identifyingColumns` when `identifying`). Lists are joined with "; ",
        /// referrals as "service: status (provider, sent YYYY-MM-DD, answered YYYY-MM-DD)". (The writer then makes formula-like cells text.)
        func csvRow(identifying: Bool) -> [String] {
            var r = [caseNumber, status, urgent ? "yes" : "no", riskLevel ?? "", registeredOn, lastActivityOn, closedOn ?? "",
                     closureReason ?? "", sex, ageYears.map(String.init) ?? "", village, concerns.joined(separator: "; "),
                     assignedTo ?? "", nextFollowUp ?? "",
                     referrals.map { "\($0.service): \($0.status) (\($0.provider), sent \($0.sentOn)\($0.respondedOn.map { ", answered " + $0 } ?? ""))" }.joined(separator: "; ")]
            if identifying {
                r += [childName ?? "", otherNames ?? "", dateOfBirth ?? "", caregiver ?? "", reporterKind ?? "", reporterName ?? "",
                      reporterContact ?? "", whenHappened ?? "", whereHappened ?? "", narrative ?? ""]
            }
            return r
        }
    }
}

extension KingaStore {
    /// Writes every case the person logged in may see to `path`, oldest case number first, in batches of 500 so memory stays
    /// flat at any archive size. The file appears only when complete (written under a temporary name, then
    /// renamed); a cancelled or failed export leaves nothing at `path`. Readable only by Kinga's user.
    ///
    /// Every export, refused, cancelled or finished, is written to the audit log with its format, count and
    /// whether identifying fields were included.
    /// - Parameters:
    ///   - identifying: include names, contacts, dates of birth and the report's words. Narratives are
    ///     included only for roles that may read them (not administrators: issue #4's matrix).
    ///   - progress: called after every batch; return false to cancel.
    /// - Returns: the number of cases written.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in (the command line logs in with
    ///   the PIN first); `CaseExport.Failure` (not allowed, cancelled, destination exists, cannot write),
    ///   database errors.
    @discardableResult
    public func exportCases(to path: String, format: CaseExport.Format, identifying: Bool,
                            progress: (CaseExport.Progress) -> Bool = { _ in true }) throws -> Int {
        let user = try sessionUser("export.cases")
        let what = "\(format.rawValue), \(identifying ? "with identifying fields" : "pseudonymised")"
        guard user.can(.exportCases, demo: isDemo) else {
            try auditAlone(actor: user.name, action: "export.cases.refused", detail: what)
            throw CaseExport.Failure.notAllowed(role: user.roleWords)
        }
        guard !FileManager.default.fileExists(atPath: path) else { throw CaseExport.Failure.exists(path) }
        // Issue #17: names and stories leave the kiosk only sealed to the district office.
        let district = identifying ? try districtKey() : nil
        if identifying && district == nil { throw CaseExport.Failure.noDistrictKey }
        let narratives = identifying && user.can(.viewNarrative, ownCase: false, demo: isDemo)
        let total = try caseCount(reader: user)
        let started = DispatchTime.now().uptimeNanoseconds
        let tmp = path + ".part-\(getpid())"
        var done = 0
        do {
            let writer = try Self.ExportWriter(path: tmp, shownAs: path, format: format, identifying: identifying, sealedTo: district,
                                               header: CaseExport.About(exportedAt: ISO8601.format(clock.now), exportedBy: user.name, cases: total,
                                                                         identifying: identifying, narratives: narratives))
            defer { writer.close() }
            var after: (Int, Int) = (0, 0)
            while true {
                let batch = try exportBatch(after: after, limit: 500, viewer: user, identifying: identifying, narratives: narratives)
                guard let last = batch.last else { break }
                try writer.write(batch.lines)
                done += batch.lines.count
                after = last
                let p = CaseExport.Progress(done: done, total: max(total, done),
                                            elapsed: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
                if !progress(p) { throw CaseExport.Failure.cancelled(done: done) }
            }
            try writer.finish()
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            if case CaseExport.Failure.cancelled = error {
                try? auditAlone(actor: user.name, action: "export.cases.cancelled", detail: "\(what), after \(done) of \(total)")
                throw error
            }
            try? auditAlone(actor: user.name, action: "export.cases.failed", detail: "\(what): \(error)")
            if error is CaseExport.Failure { throw error }
            throw CaseExport.Failure.cannotWrite(path, "\(error)")
        }
        try Self.publish(tmp, as: path)
        // Published only together with its audit entry: if the entry cannot be written, the file goes.
        do {
            try auditAlone(actor: user.name, action: "export.cases", detail: "\(done) cases, \(what)\(identifying && !narratives ? " (narratives withheld)" : ""), to \(path)")
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw CaseExport.Failure.cannotWrite(path, "the audit log could not record the export (\(error)); the file was removed")
        }
        return done
    }

    /// Gives the finished temporary file its name without ever writing over a file: a hard link where the file
    /// system has them, else (FAT and exFAT USB sticks) a rename after checking the name is free.
    static func publish(_ tmp: String, as path: String) throws {
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        if link(tmp, path) == 0 { return }
        let why = errno
        if why == EEXIST { throw CaseExport.Failure.exists(path) }
        guard why == EPERM || why == ENOTSUP || why == EOPNOTSUPP || why == EXDEV || why == EMLINK else {
            throw CaseExport.Failure.cannotWrite(path, String(cString: strerror(why)))
        }
        guard !FileManager.default.fileExists(atPath: path) else { throw CaseExport.Failure.exists(path) }
        guard rename(tmp, path) == 0 else { throw CaseExport.Failure.cannotWrite(path, String(cString: strerror(errno))) }
    }

    /// One batch of exported cases after the case number (year, serial), and the last number in it.
    private func exportBatch(after: (Int, Int), limit: Int, viewer: User, identifying: Bool, narratives: Bool) throws
        -> (lines: [CaseExport.Line], last: (Int, Int)?) {
        let s = scope(viewer)
        let today = clock.today
        return try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.id, c.case_number, c.number_year, c.number_serial, c.status, c.urgent, c.risk_level, c.created_at,
                       c.last_activity_at, c.closed_at, c.closure_reason, c.sex, c.date_of_birth, c.approx_age, c.age_recorded_on,
                       c.village, c.next_follow_up, c.child_name, c.caregiver, c.report_json, u.name AS assigned_name,
                       (SELECT group_concat(concern, char(31)) FROM
                           (SELECT concern FROM case_concern k WHERE k.case_id = c.id ORDER BY k.position)) AS concern_list
                FROM case_record c LEFT JOIN app_user u ON u.id = c.assigned_to
                WHERE (c.number_year, c.number_serial) > (?, ?) AND \(s.sql)
                ORDER BY c.number_year, c.number_serial LIMIT ?
                """, arguments: [after.0, after.1] + s.args + [limit])
            guard let lastRow = rows.last else { return ([], nil) }
            let ids = rows.map { $0["id"] as String }
            var referrals: [String: [CaseExport.ReferralLine]] = [:]
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            for r in try Row.fetchAll(db, sql: """
                SELECT r.case_id, r.service_type, p.name AS provider, r.status, r.urgent, r.sent_on, r.responded_on, r.reason
                FROM referral r JOIN service_provider p ON p.id = r.provider_id
                WHERE r.case_id IN (\(marks)) ORDER BY r.sent_on, r.created_at
                """, arguments: StatementArguments(ids)) {
                referrals[r["case_id"], default: []].append(CaseExport.ReferralLine(
                    service: r["service_type"], provider: r["provider"], status: r["status"], urgent: r["urgent"],
                    sentOn: r["sent_on"], respondedOn: r["responded_on"], reason: narratives ? r["reason"] : nil))
            }
            let lines = rows.map { row -> CaseExport.Line in
                let id: String = row["id"]
                let concerns = (row["concern_list"] as String?).map { $0.split(separator: "\u{1F}").map(String.init) } ?? []
                var line = CaseExport.Line(
                    caseNumber: row["case_number"], status: row["status"], urgent: row["urgent"], riskLevel: row["risk_level"],
                    registeredOn: String((row["created_at"] as String).prefix(10)),
                    lastActivityOn: String((row["last_activity_at"] as String).prefix(10)),
                    closedOn: (row["closed_at"] as String?).map { String($0.prefix(10)) }, closureReason: row["closure_reason"],
                    sex: row["sex"], ageYears: Self.age(from: row)?.years(on: today), village: row["village"], concerns: concerns,
                    assignedTo: row["assigned_name"], nextFollowUp: row["next_follow_up"], referrals: referrals[id] ?? [])
                if identifying {
                    let report = (try? Self.decode(Report.self, row["report_json"])) ?? Report()
                    line.childName = row["child_name"]
                    line.otherNames = report.nickname
                    line.dateOfBirth = (row["date_of_birth"] as String?) ?? ""
                    line.caregiver = row["caregiver"]
                    line.reporterKind = report.reporterKind?.rawValue ?? ""
                    line.reporterName = report.reporterName
                    line.reporterContact = report.reporterContact
                    line.whenHappened = report.whenHappened
                    line.whereHappened = report.whereHappened
                    line.narrative = narratives ? report.narrative : "[withheld: this role does not read case narratives]"
                }
                return line
            }
            return (lines, (lastRow["number_year"], lastRow["number_serial"]))
        }
    }

    /// Streams lines to a new file as CSV (RFC 4180 through `CSVWriter`, one writer per batch) or JSON (one
    /// case per line). Plain POSIX writes, so a full disk is an error that is thrown, never a silent short file.
    final class ExportWriter {
        private let fd: Int32
        private let path: String
        private let format: CaseExport.Format
        private let identifying: Bool
        private let encoder = JSONEncoder()
        private var first = true
        private var closed = false
        private var sealer: SealedFile.Writer?

        /// Creates `path` (it must not exist), readable only by Kinga's user, and writes the header.
        /// - Throws: `CaseExport.Failure.cannotWrite` when the file cannot be made or written.
        /// - Parameter shownAs: the file name to put in messages (the final name, not the temporary one).
        /// - Parameter sealedTo: the district office's key: every byte is sealed to it (`SealedFile`) before it
        ///   reaches the disk; nil writes plain text (pseudonymised exports).
        init(path: String, shownAs: String, format: CaseExport.Format, identifying: Bool, sealedTo district: DistrictPublicKey? = nil,
             header: CaseExport.About) throws {
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw CaseExport.Failure.cannotWrite(shownAs, String(cString: strerror(errno))) }
            self.path = shownAs
            self.format = format
            self.identifying = identifying
            if let district {
                let fd = self.fd
                sealer = try SealedFile.Writer(to: district) { data in try Self.writeAll(fd, data, shownAs: shownAs) }
            }
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            switch format {
            case .json:
                // {"about":{…},"cases":[ … ]}: the header object first, then one case per line.
                try put(Data("{\"about\":".utf8) + (try encoder.encode(header)) + Data(",\"cases\":[\n".utf8))
            case .csv:
                try putCSV([CaseExport.columns + (identifying ? CaseExport.identifyingColumns : [])])
            }
        }

        deinit { close() }

        private func put(_ data: Data) throws {
            if let sealer { try sealer.append(data) } else { try Self.writeAll(fd, data, shownAs: path) }
        }

        private static func writeAll(_ fd: Int32, _ data: Data, shownAs path: String) throws {
            try data.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                var off = 0
                while off < raw.count {
                    let n = Foundation.write(fd, base + off, raw.count - off)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw CaseExport.Failure.cannotWrite(path, String(cString: strerror(errno))) }
                    off += n
                }
            }
        }

        /// Rows as RFC 4180 text, each ended by CRLF.
        private func putCSV(_ rows: [[String]]) throws {
            let s = OutputStream(toMemory: ())
            s.open()
            let w = try CSVWriter(stream: s, newline: .crlf)
            for r in rows { try w.write(row: r) }
            s.close()
            try put((s.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()) + Data("\r\n".utf8))
        }

        func write(_ lines: [CaseExport.Line]) throws {
            switch format {
            case .json:
                var d = Data()
                for line in lines {
                    d += Data((first ? "" : ",\n").utf8) + (try encoder.encode(line))
                    first = false
                }
                try put(d)
            case .csv:
                try putCSV(lines.map { $0.csvRow(identifying: identifying).map(CSVCell.safe) })
            }
        }

        /// Ends the file (JSON: closes the array), makes it durable (fsync) and closes it.
        func finish() throws {
            if format == .json { try put(Data("\n]}\n".utf8)) }
            try sealer?.finish()
            guard fsync(fd) == 0 else { throw CaseExport.Failure.cannotWrite(path, String(cString: strerror(errno))) }
            close()
        }

        func close() {
            if !closed { _ = Foundation.close(fd); closed = true }
        }
    }
}

extension KingaStore {
    /// The district office's public key on this kiosk (issue #17): identifying exports are sealed to it, and
    /// (with encryption at rest) the database key's recovery slot. Nil until an administrator sets it.
    /// - Throws: database errors.
    public func districtKey() throws -> DistrictPublicKey? {
        try setting("district_public_key").flatMap { try? DistrictPublicKey(text: $0) }
    }

    /// Sets the district office's public key, as the administrator logged in (audited as a setting change,
    /// with the key itself, which is public).
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in or they may not manage users;
    ///   database errors.
    public func setDistrictKey(_ key: DistrictPublicKey) throws {
        let me = try sessionUser("district_key.set")
        guard me.can(.manageUsers, demo: isDemo) else {
            try auditAlone(actor: me.name, action: "access.denied", detail: "district_key.set")
            throw StoreError.accessDenied
        }
        try setSetting("district_public_key", key.text)
    }
}
