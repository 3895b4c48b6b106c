import Foundation
import Model
import Yams

/// Errors reading seed and profile files.
public enum SeedError: Error, CustomStringConvertible {
    case missingFolder(String)
    case unreadable(file: String, reason: String)
    case invalidCase(file: String, index: Int, reason: String)

    public var description: String {
        switch self {
        case .missingFolder(let p): return "Kinga could not find its seeds folder at \(p). Use --seeds PATH."
        case .unreadable(let f, let r): return "Kinga could not read \(f): \(r)"
        case .invalidCase(let f, let i, let r): return "Demo case \(i + 1) in \(f) is not valid: \(r)"
        }
    }
}

/// Reads country profiles (`seeds/profiles/*.yaml`) and demo cases (`seeds/demo/*.yaml`).
public enum Seeds {
    /// Finds the `seeds` folder: `explicit` when given, else `$KINGA_SEEDS`, else a `seeds` folder beside or
    /// above the executable (a build in `.build/debug/` finds the repository's), else `/usr/share/kinga/seeds`.
    /// - Returns: the path, or nil when none has a `profiles` subfolder.
    public static func locate(explicit: String?, environment: [String: String], executablePath: String) -> String? {
        var candidates: [String] = []
        if let e = explicit { candidates.append(e) }
        if let e = environment["KINGA_SEEDS"], !e.isEmpty { candidates.append(e) }
        var dir = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("seeds").path)
            dir.deleteLastPathComponent()
        }
        candidates.append("/usr/share/kinga/seeds")
        let fm = FileManager.default
        var isDir: ObjCBool = false
        return candidates.first { fm.fileExists(atPath: $0 + "/profiles", isDirectory: &isDir) && isDir.boolValue }
    }

    /// Loads one profile by id from `<seeds>/profiles/<id>.yaml`.
    /// - Throws: `SeedError.unreadable` with the YAML error when the file is missing or malformed.
    public static func profile(id: String, seeds: String) throws -> CountryProfile {
        let file = "\(seeds)/profiles/\(id).yaml"
        do {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            return try YAMLDecoder().decode(CountryProfile.self, from: text)
        } catch {
            throw SeedError.unreadable(file: file, reason: "\(error)")
        }
    }

    /// The ids of all profiles in `<seeds>/profiles`, sorted.
    public static func profileIDs(seeds: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(seeds)/profiles")) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Reads every `*.yaml` file in `<seeds>/demo`, in file-name order.
    /// - Throws: `SeedError.missingFolder` or `.unreadable`.
    public static func demoCases(seeds: String) throws -> [(file: String, cases: [DemoCaseSeed])] {
        let folder = "\(seeds)/demo"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { throw SeedError.missingFolder(folder) }
        return try names.filter { $0.hasSuffix(".yaml") }.sorted().map { name in
            let file = "\(folder)/\(name)"
            do {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                return (name, try YAMLDecoder().decode(DemoSeedFile.self, from: text).cases)
            } catch {
                throw SeedError.unreadable(file: file, reason: "\(error)")
            }
        }
    }

    /// Fills `store` with the demo cases, dated relative to the store's clock (so the demo always looks current).
    /// - Returns: how many cases were written.
    /// - Throws: `SeedError.invalidCase` naming the file and case when a seed would not pass validation.
    @discardableResult
    public static func fillDemo(_ store: KingaStore, seeds: String, timeZone: TimeZone = .current) throws -> Int {
        let now = store.clock.now
        let today = store.clock.today
        func instant(daysAgo: Int, hour: Int?) -> Date {
            let day = today.adding(days: -daysAgo)
            let wall = Date(timeIntervalSince1970: Double(day.daysSinceEpoch * 86400 + (hour ?? 10) * 3600))
            let d = wall - Double(timeZone.secondsFromGMT(for: wall))
            return min(d, now)
        }
        var count = 0
        for (file, cases) in try demoCases(seeds: seeds) {
            for (i, s) in cases.enumerated() {
                var r = Report()
                r.reporterKind = s.reporter
                r.reporterName = s.reporterName ?? ""
                r.reporterContact = s.reporterContact ?? ""
                r.childName = s.child
                r.sex = s.sex
                let reported = today.adding(days: -s.reportedDaysAgo)
                if let b = s.bornDaysAgo { r.dateOfBirthText = today.adding(days: -b).iso }
                if let a = s.age { r.approximateAgeText = String(a) }
                r.village = s.village
                r.caregiver = s.caregiver ?? ""
                r.concerns = s.concerns
                r.whenHappened = s.when ?? ""
                r.whereHappened = s.where ?? ""
                r.narrative = s.narrative
                r.inDangerNow = s.inDanger
                r.childAssent = s.childAssent
                r.caregiverConsent = s.caregiverConsent
                r.reasonWithoutConsent = s.reasonWithoutConsent ?? ""
                let problems = ReportValidation.issues(for: .review, in: r, today: today)
                guard problems.isEmpty else {
                    throw SeedError.invalidCase(file: file, index: i, reason: problems.keys.map(\.rawValue).sorted().joined(separator: ", "))
                }
                _ = reported
                let record = try store.registerCase(from: r, draftID: UUID(), author: s.author,
                                                    receivedAt: instant(daysAgo: s.reportedDaysAgo, hour: s.reportedHour),
                                                    status: s.status ?? .open)
                for e in s.events ?? [] {
                    try store.addNote(caseID: record.id, text: e.text, author: e.author, at: instant(daysAgo: e.daysAgo, hour: e.hour))
                }
                count += 1
            }
        }
        return count
    }
}
