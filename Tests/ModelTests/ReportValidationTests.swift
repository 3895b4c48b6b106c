import Foundation
import Testing
@testable import Model

@Suite("The rules of the guided report")
struct ReportValidationTests {
    let today = LocalDate(year: 2026, month: 3, day: 2)!

    func complete() -> Report {
        var r = Report()
        r.reporterKind = .teacher
        r.childName = "Amani"
        r.sex = .female
        r.approximateAgeText = "9"
        r.village = "Kampung Fiksi"
        r.concerns = ["neglect"]
        r.inDangerNow = false
        r.childAssent = .yes
        r.caregiverConsent = .yes
        return r
    }

    @Test func aCompleteReportPasses() {
        #expect(ReportValidation.issues(for: .review, in: complete(), today: today).isEmpty)
    }

    @Test func requiredAnswers() {
        let issues = ReportValidation.issues(for: .review, in: Report(), today: today)
        #expect(issues[.reporterKind] == .required)
        #expect(issues[.sex] == .required)
        #expect(issues[.approximateAge] == .required)
        #expect(issues[.village] == .required)
        #expect(issues[.concerns] == .required)
        #expect(issues[.inDangerNow] == .required)
        #expect(issues[.reasonWithoutConsent] == nil)
        // A name is optional: a nickname or nothing is fine.
        #expect(issues[.childName] == nil)
    }

    @Test("dates of birth", arguments: [
        ("2026-03-03", ValidationIssue.dateInFuture), ("31/02/2020", .dateDoesNotExist), ("29/02/2027", .dateDoesNotExist), ("2027-01-01", .dateInFuture),
        ("29/02/2023", .dateDoesNotExist), ("0000-01-01", .yearDoesNotExist), ("00/05/0000", .yearDoesNotExist), ("soon", .dateUnreadable),
        ("2000-01-01", .notAChild(years: 26)), ("2008-03-02", .notAChild(years: 18)),
    ])
    func dateOfBirth(text: String, expected: ValidationIssue) {
        var r = complete()
        r.approximateAgeText = ""
        r.dateOfBirthText = text
        #expect(ReportValidation.issues(for: .child, in: r, today: today)[.dateOfBirth] == expected)
    }

    @Test("ages", arguments: [("-1", ValidationIssue?.some(.ageOutOfRange)), ("200", .ageOutOfRange), ("18", .ageOutOfRange),
                             ("seven", .ageNotANumber), ("7.5", .ageNotANumber), ("0", nil), ("17", nil), (" 4 ", nil)])
    func ages(text: String, expected: ValidationIssue?) {
        var r = complete()
        r.approximateAgeText = text
        #expect(ReportValidation.issues(for: .child, in: r, today: today)[.approximateAge] == expected)
    }

    @Test func ageZeroIsAValidAgeAndStaysZero() {
        var r = complete()
        r.approximateAgeText = "0"
        #expect(ReportValidation.childAge(of: r, today: today)?.years(on: today) == 0)
    }

    @Test func birthDateAndAgeMustAgree() {
        var r = complete()
        r.dateOfBirthText = "2016-03-02"
        r.approximateAgeText = "4"
        #expect(ReportValidation.issues(for: .child, in: r, today: today)[.approximateAge] == .ageDisagreesWithBirthDate(years: 10))
        r.approximateAgeText = "9"
        #expect(ReportValidation.issues(for: .child, in: r, today: today)[.approximateAge] == nil)
        #expect(ReportValidation.childAge(of: r, today: today) == .born(LocalDate(year: 2016, month: 3, day: 2)!))
    }

    @Test func consentNeedsAReasonWhenNotGiven() {
        var r = complete()
        r.caregiverConsent = .no
        #expect(ReportValidation.issues(for: .consent, in: r, today: today)[.reasonWithoutConsent] == .required)
        r.reasonWithoutConsent = "The caregiver may be the person hurting the child."
        #expect(ReportValidation.issues(for: .consent, in: r, today: today).isEmpty)
        r.reasonWithoutConsent = "   \n "
        #expect(ReportValidation.issues(for: .consent, in: r, today: today)[.reasonWithoutConsent] == .required)
        // Not asked yet is allowed at intake, but then referrals wait for consent.
        r.caregiverConsent = .notAsked
        r.childAssent = .notAsked
        #expect(ReportValidation.issues(for: .consent, in: r, today: today).isEmpty)
        #expect(ConsentCheck.of(r) == .missing)
        r.childAssent = .yes
        r.caregiverConsent = .yes
        #expect(ConsentCheck.of(r) == .consented)
    }

    @Test func longTextIsRefused() {
        var r = complete()
        r.childName = String(repeating: "A", count: 500)
        #expect(ReportValidation.issues(for: .child, in: r, today: today)[.childName] == .tooLong(max: TextLimits.line))
    }

    @Test func intakeEventsFollowTheReport() {
        var r = complete()
        var kinds = EventFact.intake(r).map(\.kind.category)
        #expect(kinds == [.reportReceived, .consentRecorded])
        r.inDangerNow = true
        kinds = EventFact.intake(r).map(\.kind.category)
        #expect(kinds == [.reportReceived, .consentRecorded, .urgentFlagged])
        r.narrative = "She said she is alone at night."
        #expect(EventFact.intake(r)[0].args["narrative"]?.contains("She said she is alone at night.") == true)
    }
}

@Suite("Case numbers, text safety and the clock")
struct SmallRulesTests {
    @Test func caseNumbers() {
        #expect(CaseNumber(year: 2026, serial: 42).description == "KG-2026-0042")
        #expect(CaseNumber(year: 2026, serial: 12345).description == "KG-2026-12345")
        #expect(CaseNumber("kg-2026-0042") == CaseNumber(year: 2026, serial: 42))
        #expect(CaseNumber("KG-2026") == nil)
        #expect(CaseNumber("KG-2026-0000") == nil)
        #expect(CaseNumber(year: 2026, serial: 9) < CaseNumber(year: 2026, serial: 10))
    }

    @Test("control characters and escape sequences never survive", arguments: [
        "\u{1B}[2J\u{1B}[HAmani", "Ama\u{0}ni", "\u{1B}]52;c;ZXZpbA==\u{7}Amani", "Amani\u{9B}31m", "\u{202E}inamA", "Am\u{2066}ani\u{2069}",
    ])
    func unsafeTextIsCleaned(input: String) {
        let out = TextSafety.clean(input, multiline: false)
        #expect(!out.unicodeScalars.contains(where: TextSafety.isUnsafe))
        #expect(out.lowercased().contains("a"))
        #expect(!out.contains("\u{1B}"))
    }

    @Test func newlinesOnlyInMultiline() {
        #expect(TextSafety.clean("a\r\nb\rc\nd\te", multiline: true) == "a\nb\nc\nd e")
        #expect(TextSafety.clean("a\r\nb\nc", multiline: false) == "a b c")
    }

    @Test func namesAreStoredNFC() {
        let decomposed = "Jose\u{301} N\u{303}u\u{301}n\u{303}ez"
        #expect(TextSafety.clean(decomposed, multiline: false) == "José Ñúñez")
        #expect(TextSafety.clean(decomposed, multiline: false).unicodeScalars.count == "José Ñúñez".unicodeScalars.count)
        #expect(TextSafety.fold("José") == "jose")
    }

    @Test func clockFromEnvironment() throws {
        let c = try Clock.fromEnvironment(["KINGA_NOW": "2026-03-02T09:00:00Z"])
        #expect(ISO8601.format(c.now) == "2026-03-02T09:00:00.000Z")
        #expect(throws: ClockError.self) { try Clock.fromEnvironment(["KINGA_NOW": "monday"]) }
        let sys = try Clock.fromEnvironment([:])
        #expect(abs(sys.now.timeIntervalSinceNow) < 60)
    }
}
