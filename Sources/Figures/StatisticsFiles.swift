import CSV
import Foundation
import Model

/// CSV cells that a spreadsheet would run as a formula (OWASP "CSV Injection": a cell starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) get a leading apostrophe, so a name or a village typed as `=HYPERLINK(…)`
/// is shown as text.
public enum CSVCell {
    public static func safe(_ s: String) -> String {
        guard let f = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(f) else { return s }
        return "'" + s
    }
}

/// Anonymised statistics as files for the social welfare office (issue #8).
public enum StatisticsExport {
    /// RFC 4180 CSV in UTF-8 (CRLF line ends; fields with commas, quotes or line breaks are quoted, quotes
    /// doubled), one figure per row: `section,item,value`. A long table, so any spreadsheet can pivot it,
    /// and names in any script survive the round trip. A value is a number, `<5` (from 1 to 4), `x` (hidden so
    /// that a `<5` cannot be worked out) or empty (a rate or median left out); see `DisclosureControl`.
    /// - Throws: `CSVError` when the text cannot be written (it always can in memory).
    public static func csv(_ s: CaseStatistics) throws -> String {
        let stream = OutputStream(toMemory: ())
        stream.open()
        let w = try CSVWriter(stream: stream, newline: .crlf)
        func row(_ section: String, _ item: String, _ value: String) throws { try w.write(row: [section, item, value].map(CSVCell.safe)) }
        try row("section", "item", "value")
        try row("period", "from", s.from)
        try row("period", "to", s.to)
        try row("period", "counts below this are shown as <N", String(s.threshold))
        try row("cases", "registered", s.newCases.description)
        try row("cases", "closed", s.closedCases.description)
        try row("follow-ups", "overdue today", s.overdueFollowUps.description)
        for r in s.byConcern { try row("by protection concern", r.label, r.value.description) }
        for r in s.byVillage { try row("by village", r.label, r.value.description) }
        for r in s.byAgeGroup { try row("by age group", r.label, r.value.description) }
        for r in s.bySex { try row("by sex", r.label, r.value.description) }
        for m in s.byMonth {
            try row("registered per month", m.month, m.new.description)
            try row("closed per month", m.month, m.closed.description)
        }
        for r in s.referrals {
            try row("referrals sent", r.service, r.sent.description)
            try row("referrals answered", r.service, r.answered.description)
            try row("referrals accepted", r.service, r.accepted.description)
            try row("referrals completed", r.service, r.completed.description)
            try row("referrals accepted, % of answered", r.service, r.acceptancePercent.map(String.init) ?? "")
            try row("referrals completed, % of sent", r.service, r.completionPercent.map(String.init) ?? "")
            try row("median days to the provider's answer", r.service, r.medianDaysToReply.map { String(format: "%.1f", $0) } ?? "")
        }
        w.stream.close()
        let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes an export file whole or not at all: under a temporary name beside it, then renamed over `path`
    /// in one step (`rename(2)`), so a reader never sees half a file and a failure leaves the old one.
    /// - Throws: the file system's error; the temporary file is removed.
    public static func writeWhole(_ data: Data, to path: String) throws {
        let tmp = path + ".part-\(getpid())"
        do {
            try data.write(to: URL(fileURLWithPath: tmp))
            guard rename(tmp, path) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw error
        }
    }

    /// The same figures as JSON (UTF-8, keys sorted; hidden counts as the strings "<N" and "x"; a rate or
    /// median left out has no key).
    public static func json(_ s: CaseStatistics) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try e.encode(s)
    }
}

/// What `kinga export stats` and `kinga-server export stats` are asked for, checked once for both: a period of
/// days and a file format.
public struct StatisticsRequest: Sendable {
    /// The first and last day of the period (both included).
    public let from: LocalDate
    public let to: LocalDate
    /// JSON rather than CSV.
    public let json: Bool

    /// Why a request was refused, in the words the command prints.
    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Reads `--from`, `--to` and `--format` as typed.
    /// - Throws: `Invalid` when the format is not csv or json, a date is not like 2026-01-31, or the period ends
    ///   before it starts.
    public init(from: String, to: String, format: String) throws {
        guard ["csv", "json"].contains(format) else { throw Invalid(description: "--format is csv or json.") }
        guard let start = try? LocalDate.parse(from) else { throw Invalid(description: "--from \(from) is not a date like 2026-01-31.") }
        guard let end = try? LocalDate.parse(to) else { throw Invalid(description: "--to \(to) is not a date like 2026-12-31.") }
        guard start <= end else { throw Invalid(description: "--from must be on or before --to.") }
        self.from = start
        self.to = end
        self.json = format == "json"
    }
}
