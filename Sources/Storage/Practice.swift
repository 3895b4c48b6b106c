import Foundation
import GRDB
import Model
import Yams

extension Seeds {
    /// Reads every `*.yaml` in `<seeds>/scenarios`, in file-name order. A file that cannot be used does not
    /// hide the others: it is returned as a problem a trainer can act on (file, line or field, what is wrong).
    /// - Parameter concerns: the profile's concern ids, to check `concern:` values; nil skips that check.
    /// - Returns: the usable scenarios and the problems; both empty when the folder is missing.
    public static func scenarios(seeds: String, concerns: Set<String>? = nil) -> (scenarios: [Scenario], problems: [ScenarioProblem]) {
        let folder = "\(seeds)/scenarios"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        var out: [Scenario] = [], problems: [ScenarioProblem] = []
        for name in names {
            // Only plain files, and not huge ones (a folder or a pipe named .yaml must not block the screen).
            let attrs = try? FileManager.default.attributesOfItem(atPath: "\(folder)/\(name)")
            guard attrs?[.type] as? FileAttributeType == .typeRegular else {
                problems.append(ScenarioProblem(file: name, problem: "this is not a file"))
                continue
            }
            if let size = attrs?[.size] as? Int, size > 1_000_000 {
                problems.append(ScenarioProblem(file: name, problem: "the file is larger than 1 MB; a scenario is a few pages"))
                continue
            }
            do {
                let text = try String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8)
                if let unknown = unknownField(text) { throw ScenarioProblem(file: name, problem: unknown) }
                let s = try Scenario.build(try YAMLDecoder().decode(Scenario.File.self, from: text), file: name, concerns: concerns)
                if out.contains(where: { $0.id == s.id }) {
                    problems.append(ScenarioProblem(file: name, problem: "the id \(s.id) is used by another scenario"))
                } else {
                    out.append(s)
                }
            } catch let p as ScenarioProblem {
                problems.append(p)
            } catch {
                problems.append(ScenarioProblem(file: name, problem: plain(error)))
            }
        }
        return (out, problems)
    }

    static let scenarioFields = ["id", "minutes", "title", "situation", "steps", "good_response", "must_not_refer"]
    static let stepFields = ["title", "do", "hints", "check", "concern", "risk", "service"]

    /// A misspelt field (`hint:` for `hints:`) would otherwise be skipped without a word: names the first
    /// field Kinga does not know, and the ones it does.
    static func unknownField(_ text: String) -> String? {
        guard let top = (try? Yams.load(yaml: text)) as? [String: Any] else { return nil }
        if let k = top.keys.sorted().first(where: { !scenarioFields.contains($0) }) {
            return "unknown field \"\(k)\" (the fields are: \(scenarioFields.joined(separator: ", ")))"
        }
        for (i, step) in ((top["steps"] as? [Any]) ?? []).enumerated() {
            guard let fields = step as? [String: Any] else { continue }
            if let k = fields.keys.sorted().first(where: { !stepFields.contains($0) }) {
                return "step \(i + 1): unknown field \"\(k)\" (the fields of a step are: \(stepFields.joined(separator: ", ")))"
            }
        }
        return nil
    }

    /// A YAML or decoding error in words a trainer can act on: the line, or the field, and what to do.
    static func plain(_ error: Error) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "item \($0 + 1)" } ?? $0.stringValue }.joined(separator: " → ")
            return p.isEmpty ? "the file" : p
        }
        switch error {
        case let y as YamlError:
            switch y {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                return "line \(mark.line): \(problem) (look at the indentation, the colons and the quotes there)"
            default:
                return "the YAML cannot be read (\(String(describing: y).split(separator: "\n").first ?? ""))"
            }
        case DecodingError.dataCorrupted(let c):
            if let y = c.underlyingError { return plain(y) }
            return "\(path(c)): \(c.debugDescription)"
        case DecodingError.typeMismatch(let type, let c):
            if c.codingPath.isEmpty { return "the file is empty, or is not a list of fields (id:, title:, steps: …)" }
            if type == Int.self { return "\(path(c)): must be a whole number" }
            if type == [Any].self || "\(type)".hasPrefix("Array") { return "\(path(c)): must be a list (lines starting with -)" }
            return "\(path(c)): must be a text, or texts for en, id and fr"
        case DecodingError.valueNotFound(_, let c), DecodingError.keyNotFound(_, let c):
            return "\(path(c)): a value is missing"
        default:
            return "\(error)"
        }
    }
}

/// The scenario a trainee is practising on the demo: which, and since when.
public struct PracticeSession: Hashable, Sendable {
    /// The scenario's `id`.
    public var scenarioID: String
    /// Cases registered from this moment on count as the practice.
    public var startedAt: Date
}

extension KingaStore {
    /// Starts (or restarts) practising a scenario on the demo; what is registered from now on counts.
    /// Recorded as the person logged in.
    /// - Throws: `StoreError.accessDenied` outside the demo or when nobody is logged in.
    public func startPractice(_ scenarioID: String) throws {
        guard try isDemoDatabase() else { throw StoreError.accessDenied }
        try setSetting("practice.scenario", scenarioID)
        try setSetting("practice.started_at", ISO8601.format(clock.now))
    }

    /// Ends the practice (the guide line disappears), as the person logged in.
    /// - Throws: `StoreError.accessDenied` when nobody is logged in; database errors.
    public func stopPractice() throws {
        try setSetting("practice.scenario", "")
    }

    /// The scenario being practised, or nil.
    public func practice() throws -> PracticeSession? {
        guard let id = try setting("practice.scenario"), !id.isEmpty,
              let at = try setting("practice.started_at").flatMap(ISO8601.parse) else { return nil }
        return PracticeSession(scenarioID: id, startedAt: at)
    }

    /// What was done on the newest case registered since `since` (the trainee's practice case), or nil when
    /// no case was registered since then.
    public func practiceEvidence(since: Date) throws -> PracticeEvidence? {
        try pool.read { db in
            // The newest case number (the unique number index, no scan), then: was it registered since the start?
            guard let row = try Row.fetchOne(db, sql: """
                SELECT id, case_number, created_at, risk_level, assessed, has_plan FROM case_record
                ORDER BY number_year DESC, number_serial DESC LIMIT 1
                """),
                  let created = ISO8601.parse(row["created_at"]), created >= since, let uuid = UUID(uuidString: row["id"]),
                  let number = CaseNumber(row["case_number"]) else { return nil }
            let id: String = row["id"]
            let concerns = try String.fetchAll(db, sql: "SELECT concern FROM case_concern WHERE case_id = ? ORDER BY position", arguments: [id])
            let services = try String.fetchAll(db, sql: "SELECT service_type FROM referral WHERE case_id = ? ORDER BY sent_on", arguments: [id])
                .compactMap(ServiceType.init(rawValue:))
            let followUps = try Int.fetchOne(db, sql: "SELECT count(*) FROM case_event WHERE case_id = ? AND kind = 'follow_up'", arguments: [id]) ?? 0
            return PracticeEvidence(caseID: uuid, caseNumber: number, concerns: concerns, risk: (row["risk_level"] as String?).flatMap(RiskLevel.init(rawValue:)),
                                    assessed: row["assessed"], hasPlan: row["has_plan"], referrals: services, followUps: followUps)
        }
    }

    /// Resets the demo in place (trainer mode): `fill` builds a fresh demo in a temporary file (signed with this
    /// database's audit key), and SQLite's online backup API copies it over this database in one step. The
    /// file is never deleted or swapped, so another `kinga --demo` open on it goes on working and sees the
    /// fresh demo. When `fill` fails, nothing changes.
    /// - Throws: `StoreError.accessDenied` when this is not the demo; whatever `fill` or SQLite throws.
    public func resetDemo(fill: (KingaStore) throws -> Void) throws {
        guard try isDemoDatabase() else { throw StoreError.accessDenied }
        let tmp = path + ".reset-\(getpid())"
        let remove = { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: tmp + s) } }
        remove()
        defer { remove() }
        let fresh = try KingaStore(path: tmp, clock: clock, auditKeyPath: auditKeyPath, key: key)
        fresh.isDemo = true
        try fill(fresh)
        try fresh.pool.backup(to: pool)
        try fresh.pool.close()
        try installDoorGuard()
    }
}
