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

    /// Reads `<seeds>/directory/*.yaml` (a fictional service directory); empty when the folder is missing.
    public static func directory(seeds: String) throws -> [DirectorySeedFile.ProviderSeed] {
        let folder = "\(seeds)/directory"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return try names.filter { $0.hasSuffix(".yaml") }.sorted().flatMap { name -> [DirectorySeedFile.ProviderSeed] in
            let file = "\(folder)/\(name)"
            do { return try YAMLDecoder().decode(DirectorySeedFile.self, from: String(contentsOfFile: file, encoding: .utf8)).providers }
            catch { throw SeedError.unreadable(file: file, reason: "\(error)") }
        }
    }

    /// Fills `store` with the demo: the service directory, then every case with its timeline and cycle steps,
    /// dated relative to the store's clock (so the demo always looks current). Steps go through the same
    /// Storage API as the screens (a second connection whose clock is moved to each step's time), so the
    /// seeds obey every rule.
    ///
    /// Every step is made in a session of the person the seeds name for it (`author`, or
    /// `supervisor_override` for a referral sent without consent): the store records whoever is logged in, and
    /// nobody else, as the author of a timeline entry. Those colleagues become demo accounts with the
    /// supervisor role (they work on every demo case, which stays assigned to "Focal Point Demo"), and are
    /// made inactive once the demo is filled, so the login screen offers only the four demo accounts.
    /// - Returns: how many cases were written.
    /// - Throws: `SeedError.invalidCase` naming the file, case and the rule a seed breaks.
    @discardableResult
    public static func fillDemo(_ store: KingaStore, seeds: String, timeZone: TimeZone = .current) throws -> Int {
        let now = store.clock.now
        let today = LocalDate(now, in: timeZone)
        let moment = MovableNow(now)
        let seeder = try KingaStore(path: store.path, clock: Clock(timeZone: timeZone) { moment.value }, auditKeyPath: store.auditKeyPath, key: store.key)
        func instant(daysAgo: Int, hour: Int?) -> Date {
            let day = today.adding(days: -daysAgo)
            let wall = Date(timeIntervalSince1970: Double(day.daysSinceEpoch * 86400 + (hour ?? 10) * 3600))
            let d = wall - Double(timeZone.secondsFromGMT(for: wall))
            return min(d, now)
        }
        // One demo user per role; the login screen shows the PIN (123456) so trainers can show each role.
        for (name, role) in [("Trainer Demo", Role.trainer), ("Focal Point Demo", .focalPoint), ("Supervisor Demo", .supervisor), ("Admin Demo", .administrator)] {
            if try !seeder.users().contains(where: { $0.name == name }) {
                try seeder.seedUser(name: name, roles: [role], pin: "123456", checkPIN: false)
            }
        }
        // The demo focal point works on every demo case, so each role can be shown on the same data.
        let demoFocalPoint = try seeder.users().first { $0.name == "Focal Point Demo" }?.id
        try seeder.markAsDemo()
        var providers: [String: ServiceProvider] = [:]
        // The directory is the demo administrator's work.
        let directoryKeeper = try seeder.userID(named: "Admin Demo").map { try seeder.beginSession(userID: $0) } ?? seeder
        for p in try directory(seeds: seeds) {
            let saved = try directoryKeeper.saveProvider(ServiceProvider(name: p.name, services: p.services, area: p.area, contact: p.contact,
                                                                hours: p.hours, notes: p.notes ?? "", retired: p.retired ?? false))
            providers[p.name] = saved
        }
        let colleagues = DemoColleagues(seeder)
        var count = 0
        for (file, cases) in try demoCases(seeds: seeds) {
            for (i, s) in cases.enumerated() {
                func fail(_ why: String) -> SeedError { .invalidCase(file: file, index: i, reason: why) }
                var r = Report()
                r.reporterKind = s.reporter
                r.reporterName = s.reporterName ?? ""
                r.reporterContact = s.reporterContact ?? ""
                r.childName = s.child
                r.sex = s.sex
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
                guard problems.isEmpty else { throw fail(problems.keys.map(\.rawValue).sorted().joined(separator: ", ")) }
                // With a closure step the case registers open and the closure sets its status.
                let initialStatus: CaseStatus = s.closure != nil ? .open : (s.status ?? .open)
                moment.value = instant(daysAgo: s.reportedDaysAgo, hour: s.reportedHour)
                let writer = try colleagues.session(s.author)
                let record = try writer.registerCase(from: r, draftID: UUID(), receivedAt: moment.value, status: initialStatus,
                                                     assignedTo: demoFocalPoint)
                // Every later step, in time order; ties keep the order of the cycle.
                var steps: [(at: Date, order: Int, run: () throws -> Void)] = []
                func at(_ days: Int, _ hour: Int = 11) -> Date { max(instant(daysAgo: days, hour: hour), moment.value) }
                let registered = moment.value
                for e in s.events ?? [] {
                    steps.append((max(instant(daysAgo: e.daysAgo, hour: e.hour), registered), 0, {
                        let writer = try colleagues.session(e.author)
                        try writer.addNote(caseID: record.id, text: e.text, at: max(instant(daysAgo: e.daysAgo, hour: e.hour), registered))
                    }))
                }
                if let a = s.assessment {
                    steps.append((at(a.daysAgo, 11), 1, {
                        let answers = RiskAnswers(immediateDanger: a.danger, harmerHasAccess: a.access, severity: a.severity, frequency: a.frequency,
                                                  safeAdult: a.safeAdult, childViews: a.childViews ?? "")
                        let writer = try colleagues.session(s.author)
                        try writer.recordAssessment(caseID: record.id, Assessment(answers: answers, chosen: a.level, whyDifferent: a.why ?? ""))
                    }))
                }
                if let p = s.plan {
                    steps.append((at(p.daysAgo, 12), 2, {
                        let goals = p.goals.map { PlanGoal(what: $0.what, who: $0.who ?? "", by: $0.byInDays.map { today.adding(days: $0) }) }
                        let writer = try colleagues.session(s.author)
                        try writer.saveCasePlan(caseID: record.id, CasePlan(goals: goals, childViews: p.childViews ?? "", caregiverViews: p.caregiverViews ?? ""))
                    }))
                }
                for ref in s.referrals ?? [] {
                    guard let provider = providers[ref.provider] else { throw fail("no provider named \(ref.provider) in seeds/directory") }
                    let box = ReferralBox()
                    steps.append((at(ref.daysAgo, 13), 3, {
                        // A referral without consent is sent by the supervisor who overrode the check, in their session.
                        let writer = try colleagues.session(ref.supervisorOverride ?? s.author)
                        box.id = try writer.sendReferral(caseID: record.id, providerID: provider.id, service: ref.service, reason: ref.reason,
                                                         urgent: ref.urgent ?? false,
                                                         consentOverride: ref.supervisorOverride != nil ? ref.overrideReason ?? "" : nil).id
                    }))
                    if ref.status != .pending {
                        guard let answered = ref.answeredDaysAgo else { throw fail("referral to \(ref.provider) needs answered_days_ago") }
                        let path: [ReferralStatus] = ref.status == .completed ? [.accepted, .completed] : [ref.status]
                        for (k, st) in path.enumerated() {
                            steps.append((at(answered, 14 + k), 4, {
                                guard let id = box.id else { return }
                                let writer = try colleagues.session(s.author)
                                try writer.updateReferral(id: id, to: st, note: st == ref.status ? ref.note ?? "" : "",
                                                          feedback: st == ref.status ? ref.feedback ?? "" : "")
                            }))
                        }
                    }
                }
                for f in s.followUps ?? [] {
                    steps.append((at(f.daysAgo, 15), 5, {
                        let writer = try colleagues.session(s.author)
                        try writer.recordFollowUp(caseID: record.id, FollowUp(mode: f.mode, outcome: f.outcome, childSafe: f.safe,
                                                                              next: f.nextInDays.map { today.adding(days: $0) }),
                                                  deadlines: .standard)
                    }))
                }
                if let c = s.closure {
                    var destination: TransferDestination?
                    if let name = c.transferredTo {
                        let known = providers[name]
                        guard let service = c.transferredService ?? known.flatMap({ p in p.services.first(where: \.isFormal) ?? p.services.first }) else {
                            throw fail("the transfer to \(name) needs transferred_service")
                        }
                        destination = TransferDestination(providerID: known?.id, name: name, service: service)
                    }
                    steps.append((at(c.daysAgo, 16), 6, {
                        let writer = try colleagues.session(s.author)
                        try writer.closeCase(caseID: record.id, Closure(reason: c.reason, goalsMet: c.goalsMet, childSafe: c.childSafe,
                                                                        referralsResolvedOrExplained: c.referralsDone, note: c.note,
                                                                        transferredTo: destination),
                                             rules: ProfileRules(formalReportConcerns: ["sexual_violence", "sexual_exploitation", "trafficking"]))
                    }))
                }
                if let o = s.reopen {
                    steps.append((at(o.daysAgo, 17), 7, {
                        let writer = try colleagues.session(s.author)
                        try writer.reopenCase(caseID: record.id, reason: o.reason)
                    }))
                }
                for step in steps.sorted(by: { ($0.at, $0.order) < ($1.at, $1.order) }) {
                    moment.value = step.at
                    do { try step.run() } catch { throw fail("\(error)") }
                }
                count += 1
            }
        }
        try colleagues.leaveTeam()
        return count
    }
}

/// The colleagues named in the demo seeds, as demo accounts whose sessions the seeder works in.
final class DemoColleagues {
    private let store: KingaStore
    private var ids: [String: UUID] = [:]

    init(_ store: KingaStore) { self.store = store.withoutSession }

    /// A handle acting for the colleague called `name`, creating their account (supervisor role, an
    /// unguessable PIN nobody is told) the first time, or making an earlier one active again.
    /// - Throws: database errors.
    func session(_ name: String) throws -> KingaStore {
        if ids[name] == nil {
            if let known = try store.userID(named: name) {
                try store.setActive(userIDs: [known], true)
                ids[name] = known
            } else {
                ids[name] = try store.seedUser(name: name, roles: [.supervisor], pin: UUID().uuidString, checkPIN: false).id
            }
        }
        return try store.beginSession(userID: ids[name]!)
    }

    /// Makes every colleague's account inactive (the demo is filled; nobody logs in as them).
    func leaveTeam() throws {
        try store.setActive(userIDs: Array(ids.values), false)
    }
}

/// A "now" the demo seeder moves from step to step.
final class MovableNow: @unchecked Sendable {
    var value: Date
    init(_ v: Date) { value = v }
}

/// Carries a referral's id from the step that sends it to the steps that answer it.
final class ReferralBox { var id: UUID? }
