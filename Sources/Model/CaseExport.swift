import Foundation

/// Case-level exports for administrators and supervisors (issue #8): one record per case, pseudonymised by
/// default (no names, contacts or free text), with the identifying fields only when asked for.
///
/// What an export holds, as plain values: Storage reads the records (`KingaStore.exportBatch`, package) and the
/// Exports target writes them (`KingaStore.exportCases`).
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
        /// An identifying export needs the district office's public key, and this kiosk has none yet (issue #17).
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
        /// The head of an export made now (`exportedAt`, ISO 8601) by `exportedBy`.
        package init(exportedAt: String, exportedBy: String, cases: Int, identifying: Bool, narratives: Bool) {
            self.exportedAt = exportedAt
            self.exportedBy = exportedBy
            self.cases = cases
            self.identifying = identifying
            self.narratives = narratives
        }

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
        /// A referral as Storage reads it for an export (`reason` only when the export may carry narratives).
        package init(service: String, provider: String, status: String, urgent: Bool, sentOn: String, respondedOn: String?,
                     reason: String?) {
            self.service = service
            self.provider = provider
            self.status = status
            self.urgent = urgent
            self.sentOn = sentOn
            self.respondedOn = respondedOn
            self.reason = reason
        }

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

        /// A case as Storage reads it for an export: the fields every export has; the identifying ones start nil.
        package init(caseNumber: String, status: String, urgent: Bool, riskLevel: String?, registeredOn: String, lastActivityOn: String,
                     closedOn: String?, closureReason: String?, sex: String, ageYears: Int?, village: String, concerns: [String],
                     assignedTo: String?, nextFollowUp: String?, referrals: [ReferralLine]) {
            self.caseNumber = caseNumber
            self.status = status
            self.urgent = urgent
            self.riskLevel = riskLevel
            self.registeredOn = registeredOn
            self.lastActivityOn = lastActivityOn
            self.closedOn = closedOn
            self.closureReason = closureReason
            self.sex = sex
            self.ageYears = ageYears
            self.village = village
            self.concerns = concerns
            self.assignedTo = assignedTo
            self.nextFollowUp = nextFollowUp
            self.referrals = referrals
        }

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
        package func csvRow(identifying: Bool) -> [String] {
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

