import CSV
import Foundation
import Model

/// Reading a list of service providers from a CSV file (for example from the district social welfare
/// office) into the service directory (issue #8).
///
/// The file needs a header row with at least `name` and `services`; `area`, `contact`, `hours` and `notes`
/// are optional (any order, any case). `services` lists service types separated by `;` or `|` (`health`,
/// `psychosocial`, `police`, `legal`, `shelter`, `family_mediation`, `family_reunification`, `education`,
/// `livelihoods`, `birth_registration`, `food`, `social_welfare`, `other`; spaces count as `_`). A row
/// is rejected, with its line number and the reason, when its name is missing, a service is unknown, it
/// repeats a provider already in the directory or earlier in the file (same name and area, accents and case
/// ignored), or it is not a full row.
public enum DirectoryImport {
    /// A row that will not be added, and why.
    public struct Rejected: Hashable, Sendable {
        /// Line in the file (the header is line 1).
        public let line: Int
        public let reason: String
        /// The row's name field (may be empty).
        public let name: String
    }

    /// What the file would add and what it cannot.
    public struct Preview: Sendable {
        public var accepted: [ServiceProvider]
        public var rejected: [Rejected]
    }

    public enum ImportError: Error, CustomStringConvertible {
        case notCSV(String)
        case missingColumns([String])
        public var description: String {
            switch self {
            case .notCSV(let why): return "The file is not a CSV file Kinga can read (\(why))."
            case .missingColumns(let c): return "The first row must name the columns; missing: \(c.joined(separator: ", "))."
            }
        }
    }

    /// Reads `text` against the providers already in the directory.
    /// - Throws: `ImportError` when the file cannot be read as CSV or lacks the needed columns.
    public static func preview(_ text: String, existing: [ServiceProvider]) throws -> Preview {
        let reader: CSVReader
        do { reader = try CSVReader(string: text, hasHeaderRow: true) } catch { throw ImportError.notCSV("\(error)") }
        let header = (reader.headerRow ?? []).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let missing = ["name", "services"].filter { !header.contains($0) }
        guard missing.isEmpty else { throw ImportError.missingColumns(missing) }
        func column(_ row: [String], _ name: String) -> String {
            guard let i = header.firstIndex(of: name), i < row.count else { return "" }
            return TextSafety.clean(row[i], multiline: name == "notes").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var seen = Set(existing.map { DuplicateRule.key($0.name) + "|" + DuplicateRule.key($0.area) })
        var out = Preview(accepted: [], rejected: [])
        var line = 1
        while let row = reader.next() {
            line += 1
            if row.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            let name = column(row, "name")
            guard row.count >= header.count else {
                out.rejected.append(Rejected(line: line, reason: "has \(row.count) fields, the header has \(header.count)", name: name)); continue
            }
            guard !name.isEmpty else { out.rejected.append(Rejected(line: line, reason: "no name", name: "")); continue }
            guard name.count <= TextLimits.line else { out.rejected.append(Rejected(line: line, reason: "name longer than \(TextLimits.line) characters", name: String(name.prefix(40)))); continue }
            let words = column(row, "services").split(whereSeparator: { $0 == ";" || $0 == "|" })
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: " ", with: "_") }
                .filter { !$0.isEmpty }
            let unknown = words.filter { ServiceType(rawValue: $0) == nil }
            guard unknown.isEmpty else {
                out.rejected.append(Rejected(line: line, reason: "unknown service: \(unknown.joined(separator: ", "))", name: name)); continue
            }
            guard !words.isEmpty else { out.rejected.append(Rejected(line: line, reason: "no service", name: name)); continue }
            let area = column(row, "area")
            let key = DuplicateRule.key(name) + "|" + DuplicateRule.key(area)
            guard seen.insert(key).inserted else {
                out.rejected.append(Rejected(line: line, reason: "already in the directory (same name and area)", name: name)); continue
            }
            out.accepted.append(ServiceProvider(name: name, services: words.compactMap(ServiceType.init(rawValue:)), area: area,
                                                contact: column(row, "contact"), hours: column(row, "hours"), notes: column(row, "notes")))
        }
        return out
    }
}

extension KingaStore {
    /// Adds the accepted providers of a preview (each audited as a directory change).
    /// - Returns: how many were added.
    /// - Throws: `StoreError.accessDenied` for a user who may not change the directory; database errors.
    @discardableResult
    public func importProviders(_ preview: DirectoryImport.Preview) throws -> Int {
        for p in preview.accepted { try saveProvider(p) }
        return preview.accepted.count
    }
}
