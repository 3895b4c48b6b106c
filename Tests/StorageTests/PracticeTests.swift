import Foundation
import Testing
@testable import Model
@testable import Storage
import StoreTestSupport

@Suite("Trainer mode: scenario files and practice evidence (issue #8)")
struct PracticeTests {
    @Test("the six scenarios load, in English, Indonesian and French, each from a report to a referral")
    func seedsLoad() throws {
        let profile = try Seeds.profile(id: "generic", seeds: seedsFolder)
        let (scenarios, problems) = Seeds.scenarios(seeds: seedsFolder, concerns: Set(profile.concerns.map(\.id)))
        #expect(problems.isEmpty, "\(problems)")
        #expect(scenarios.count >= 6)
        #expect(Set(scenarios.map(\.id)).isSuperset(of: ["out-of-school", "teacher-disclosure", "child-marriage", "quarry", "flood-separated", "no-mediation"]))
        for s in scenarios {
            var texts = [s.title, s.situation] + s.goodResponse
            for step in s.steps { texts += [step.title, step.todo] + step.hints }
            for t in texts { for lang in ["en", "id", "fr"] { #expect(t.byLanguage[lang]?.isEmpty == false, "\(s.id): missing \(lang)") } }
            if case .reportRegistered = s.steps.first?.check {} else { Issue.record("\(s.id) does not start with the report") }
            #expect(s.steps.contains { if case .referralSent = $0.check { return true }; return false }, "\(s.id) has no referral")
            #expect(!s.goodResponse.isEmpty)
        }
        #expect(scenarios.first { $0.id == "no-mediation" }?.mustNotRefer == [.familyMediation])
    }

    @Test("a broken file is reported with its name and reason; the others still load")
    func brokenFile() throws {
        let dir = TempDir()
        try FileManager.default.createDirectory(atPath: dir.path + "/scenarios", withIntermediateDirectories: true)
        let good = try String(contentsOfFile: seedsFolder + "/scenarios/04-quarry.yaml", encoding: .utf8)
        try good.write(toFile: dir.path + "/scenarios/a.yaml", atomically: true, encoding: .utf8)
        try "id: broken\ntitle: [unclosed\n".write(toFile: dir.path + "/scenarios/b.yaml", atomically: true, encoding: .utf8)
        try good.replacingOccurrences(of: "check: risk_assessed", with: "check: risk_guessed")
            .write(toFile: dir.path + "/scenarios/c.yaml", atomically: true, encoding: .utf8)
        try good.replacingOccurrences(of: "    hints:", with: "    hint:")
            .write(toFile: dir.path + "/scenarios/d.yaml", atomically: true, encoding: .utf8)
        let (scenarios, problems) = Seeds.scenarios(seeds: dir.path)
        #expect(scenarios.map(\.id) == ["quarry"])
        #expect(problems.map(\.file) == ["b.yaml", "c.yaml", "d.yaml"])
        #expect(problems[2].problem.hasPrefix("step 1: unknown field \"hint\""), "\(problems[2])")
        #expect(problems[1].problem == "step 3: unknown check risk_guessed")
        #expect(problems[0].problem.hasPrefix("line 3:"), "\(problems[0])")
        // Not a file, an empty file, a wrong type: said in words.
        try FileManager.default.createDirectory(atPath: dir.path + "/scenarios/e.yaml", withIntermediateDirectories: true)
        try "".write(toFile: dir.path + "/scenarios/f.yaml", atomically: true, encoding: .utf8)
        try good.replacingOccurrences(of: "minutes: 25", with: "minutes: twenty")
            .write(toFile: dir.path + "/scenarios/g.yaml", atomically: true, encoding: .utf8)
        let more = Seeds.scenarios(seeds: dir.path).problems
        #expect(more.first { $0.file == "e.yaml" }?.problem == "this is not a file")
        #expect(more.first { $0.file == "f.yaml" }?.problem.hasPrefix("the file is empty") == true, "\(more)")
        #expect(more.first { $0.file == "g.yaml" }?.problem == "minutes: must be a whole number", "\(more)")
    }

    @Test("practice evidence comes from the newest case registered after the start, on the demo only")
    func evidence() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/demo.sqlite", clock: pinned)
        #expect(throws: StoreError.accessDenied) { try store.startPractice("quarry") }
        try Seeds.fillDemo(store, seeds: seedsFolder, timeZone: TimeZone(identifier: "UTC")!)
        store.isDemo = true    // as `kinga --demo` opens it: the trainer works only there
        store = try store.beginSession(userID: #require(try store.users().first { $0.name == "Trainer Demo" }).id)
        try store.startPractice("quarry")
        let p = try #require(try store.practice())
        #expect(p.scenarioID == "quarry")
        #expect(try store.practiceEvidence(since: p.startedAt) == nil)   // the demo's own cases are older
        var r = sampleReport(name: "Moussa Practice")
        r.concerns = ["child_labour"]
        let c = try store.registerCase(from: r, draftID: UUID())
        let provider = try #require(try store.providers(service: .socialWelfare).first)
        _ = try store.sendReferral(caseID: c.id, providerID: provider.id, service: .socialWelfare, reason: "quarry work", urgent: false)
        let e = try #require(try store.practiceEvidence(since: p.startedAt))
        #expect(e.caseNumber == c.number && e.concerns == ["child_labour"] && e.referrals == [.socialWelfare] && !e.assessed)
        try store.stopPractice()
        #expect(try store.practice() == nil)
    }
}
