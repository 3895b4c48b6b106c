import Foundation
import Testing
@testable import Model
@testable import Storage
@testable import TUI

@Suite("The case cycle on screen: assess, plan, refer, follow up, close, reopen")
struct CycleScreenTests {
    func openFirstCase(_ d: Driver) {
        d.press(.escape, .escape, .escape, .escape)
        d.press(.char("c"), .enter)
    }

    @Test("one case from report to closure, through the screens")
    func reportToClosure() throws {
        let d = try Driver()
        // A provider in the directory first.
        d.press(.char("s"))
        #expect(d.contains("No service providers yet"))
        d.press(.char("n"))
        d.type("Puskesmas Fiktif")
        d.press(.tab, .char(" "), .down, .char(" "))   // health + psychosocial
        d.press(.tab)
        d.type("Kampung Fiksi")
        d.press(.function(2))
        #expect(d.contains("Puskesmas Fiktif"))
        d.press(.escape)
        // The report.
        d.fillReport()
        d.press(.enter, .char("1"))
        #expect(d.contains("Stage: new: assess the risk next"))
        // Assessment: the guide suggests, the user keeps it.
        d.press(.char("s"))
        #expect(d.contains("Is the child in danger right now?"))
        d.press(.char("2"), .tab, .char("1"), .tab, .char("2"), .tab, .char("2"), .tab, .char("1"), .function(2))
        #expect(d.contains("The guide suggests MEDIUM risk"))
        d.press(.function(2))
        #expect(d.contains("Risk: medium"))
        #expect(d.contains("Assessment: medium risk"))
        // Plan.
        d.press(.char("p"))
        d.type("Back to school")
        d.press(.tab)
        d.type("Teacher")
        d.press(.tab)
        d.type("31/02/2026")
        d.press(.function(2))
        #expect(d.contains("This day does not exist"))
        for _ in 0..<10 { d.press(.backspace) }
        d.type("2026-04-01")
        d.press(.function(2))
        #expect(d.contains("Case plan: 1 goal"))
        // Referral.
        d.press(.char("f"), .char("1"), .function(2))
        #expect(d.contains("Which service provider?"))
        d.press(.tab)
        d.type("Check-up after the report.")
        d.press(.function(2))
        #expect(d.contains("Referral sent"))
        #expect(d.contains("services under way"))
        // The provider accepts and completes, through Referrals.
        d.press(.escape, .char("r"))
        #expect(d.contains("waiting for reply"))
        d.press(.enter, .char("1"), .function(2))
        d.press(.enter)
        #expect(d.contains("What happened?"))
        d.press(.char("1"), .function(2))
        #expect(d.contains("completed"))
        d.press(.char("p"))
        #expect(d.contains("REFERRAL SLIP — KG-2026-0001"))
        #expect(d.contains("Puskesmas Fiktif"))
        let slips = try FileManager.default.contentsOfDirectory(atPath: d.store.slipsFolder)
        #expect(slips.count == 1)
        let attrs = try FileManager.default.attributesOfItem(atPath: d.store.slipsFolder + "/" + slips[0])
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        d.press(.escape, .escape)
        // Follow-up, then closure.
        openFirstCase(d)
        d.press(.char("u"), .char("1"), .tab)
        d.type("She is back at school.")
        d.press(.tab, .char("1"), .function(2))
        #expect(d.contains("Next follow-up: 2026-03-16"))
        d.press(.char("x"), .char("1"), .function(2))
        #expect(d.contains("Please answer this question.") || d.contains("Please write a closing note."))
        d.press(.backTab, .char(" "), .down, .char(" "), .down, .char(" "), .tab)   // the error put focus on the note
        d.type("Safe at home and at school.")
        d.press(.function(2))
        #expect(d.contains("The case is closed."))
        #expect(d.contains("Status: closed"))
        // Editing a closed case is refused; reopening needs a reason.
        d.press(.char("u"))
        #expect(d.contains("This case is closed. Reopen it first."))
        d.press(.char("o"), .function(2))
        #expect(d.contains("Please answer this question."))
        d.type("The family asked for help again.")
        d.press(.function(2))
        #expect(d.contains("The case is open again."))
        #expect(d.contains("Stage: services done"))
    }

    @Test func referralWithoutConsentNeedsASupervisor() throws {
        let d = try Driver()
        try d.store.saveProvider(ServiceProvider(name: "Unit PPA Fiktif", services: [.police], area: "Kampung Fiksi", contact: "110", hours: "24h", notes: ""))
        var r = Report()
        r.reporterKind = .neighbour; r.sex = .male; r.approximateAgeText = "8"; r.village = "Kampung Fiksi"; r.concerns = ["physical_violence"]
        r.inDangerNow = false; r.childName = "Budi Fiktif"
        try d.store.registerCase(from: r, draftID: UUID(), author: "fp")
        d.press(.char("c"), .enter, .char("f"))
        d.press(.char("3"), .function(2))   // police
        #expect(d.contains("assent and the caregiver's consent are not recorded"))
        d.press(.tab)
        d.type("Bruises seen by the neighbour.")
        d.press(.tab, .char("1"), .function(2))
        #expect(d.contains("Please answer this question."))
        #expect(try d.store.referrals().isEmpty)
        d.type("Supervisor Fiktif")
        d.press(.tab)
        d.type("The caregiver cannot be found and the child is hurt.")
        d.press(.function(2))
        #expect(try d.store.referrals().first?.overrideBy == "Supervisor Fiktif")
        #expect(d.contains("Referral sent to Unit PPA"))
        let id = try d.store.casePage(after: nil, limit: 1)[0].id
        #expect(try d.store.events(caseID: id).last?.summary == "Referral sent to Unit PPA Fiktif (consent override)")
    }

    @Test func dueTodayShowsLateWorkAndOpensTheCase() throws {
        let d = try Driver()
        try d.store.registerCase(from: sampleUrgent(), draftID: UUID(), author: "fp", receivedAt: pinned.now - 3 * 86400)
        d.press(.char("d"))
        #expect(d.contains("1 thing to do"))
        #expect(d.contains("No action yet · 2 days late"))
        d.press(.enter)
        #expect(d.contains("Timeline"))
    }

    @Test func closingASexualViolenceCaseNeedsAFormalReferral() throws {
        let d = try Driver()
        var r = sampleUrgent()
        r.concerns = ["sexual_violence"]
        try d.store.registerCase(from: r, draftID: UUID(), author: "fp")
        d.press(.char("c"), .enter)
        #expect(d.contains("URGENT: after sexual violence"))
        d.press(.char("x"), .char("1"), .tab, .char(" "), .down, .char(" "), .tab)
        d.type("The families agreed between them.")
        d.press(.function(2))
        #expect(d.contains("must reach formal services"))
        #expect(try d.store.caseRecord(id: d.store.casePage(after: nil, limit: 1)[0].id)?.status == .open)
    }

    @Test("a second report about the same child can be linked to the existing case")
    func duplicatesAreOfferedAndLinked() throws {
        let d = try Driver()
        d.fillReport(name: "José Ñúñez")
        d.press(.enter, .char("2"))
        d.fillReport(name: "jose nunez")
        d.press(.enter)
        #expect(d.contains("may be about the same child"))
        #expect(d.contains("Same child as KG-2026-0001"))
        d.press(.char("2"))
        #expect(d.contains("The report was added to case KG-2026-0001."))
        #expect(d.contains("Another report about this child"))
        let second = try #require(try d.store.caseRecord(number: CaseNumber("KG-2026-0002")!))
        #expect(second.status == .duplicate)
        // A different child is kept as a new case.
        d.press(.escape)
        d.fillReport(name: "Budi Lain", village: "Desa Lain")
        d.press(.enter)
        #expect(d.contains("Report saved"))
        #expect(!d.contains("may be about the same child"))
    }

    func sampleUrgent() -> Report {
        var r = Report()
        r.reporterKind = .teacher; r.sex = .female; r.approximateAgeText = "12"; r.village = "Desa Fiktif"; r.concerns = ["neglect"]
        r.inDangerNow = true; r.childName = "Sari Fiktif"; r.childAssent = .yes; r.caregiverConsent = .yes
        return r
    }
}
