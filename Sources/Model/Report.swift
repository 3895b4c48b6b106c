import Foundation

/// The child's age as the reporter knows it: an exact date of birth, or an approximate age in years.
public enum ChildAge: Codable, Hashable, Sendable {
    /// Known date of birth.
    case born(LocalDate)
    /// Approximate age in whole years, as told on `recordedOn` (so the age shown later grows with time).
    case approximately(years: Int, recordedOn: LocalDate)

    /// Age in whole years on `today`. A baby under one is 0 (and must be shown as "0", never blank).
    public func years(on today: LocalDate) -> Int {
        switch self {
        case .born(let dob): return max(0, dob.fullYears(until: today))
        case .approximately(let y, let recorded):
            return y + max(0, recorded.fullYears(until: today))
        }
    }
}

/// Everything the guided report collects, step by step. It is also the body of a draft, so every field
/// is optional or has an "empty" value: a draft may be saved after any step.
///
/// Text fields hold what the person typed (already stripped of control characters by the text field);
/// `Validation` decides what may be saved.
public struct Report: Codable, Hashable, Sendable {
    // Step 1: who is reporting
    public var reporterKind: ReporterKind?
    public var reporterName: String = ""
    public var reporterContact: String = ""
    // Step 2: the child
    public var childName: String = ""
    public var sex: Sex?
    /// What was typed in the date-of-birth field (kept as text so a wrong date stays on screen).
    public var dateOfBirthText: String = ""
    /// What was typed in the approximate-age field.
    public var approximateAgeText: String = ""
    public var village: String = ""
    public var caregiver: String = ""
    /// Other names the child is known by (a nickname, a name at home): searched like the name.
    public var nickname: String = ""
    // Step 3: what happened
    public var concerns: [String] = []
    public var whenHappened: String = ""
    public var whereHappened: String = ""
    public var narrative: String = ""
    // Step 4: danger now
    public var inDangerNow: Bool?
    // Step 5: consent
    public var childAssent: Answer = .notAsked
    public var caregiverConsent: Answer = .notAsked
    public var reasonWithoutConsent: String = ""

    public init() {}

    enum CodingKeys: String, CodingKey {
        case reporterKind, reporterName, reporterContact, childName, sex, dateOfBirthText, approximateAgeText, village,
             caregiver, nickname, concerns, whenHappened, whereHappened, narrative, inDangerNow, childAssent,
             caregiverConsent, reasonWithoutConsent
    }

    /// Reads a saved report or draft. Every key may be missing (a report saved before a field existed reads
    /// with that field empty), so adding a field never makes older records unreadable.
    /// - Throws: `DecodingError` only when a value has the wrong type.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        reporterKind = try c.decodeIfPresent(ReporterKind.self, forKey: .reporterKind)
        reporterName = try c.decodeIfPresent(String.self, forKey: .reporterName) ?? ""
        reporterContact = try c.decodeIfPresent(String.self, forKey: .reporterContact) ?? ""
        childName = try c.decodeIfPresent(String.self, forKey: .childName) ?? ""
        sex = try c.decodeIfPresent(Sex.self, forKey: .sex)
        dateOfBirthText = try c.decodeIfPresent(String.self, forKey: .dateOfBirthText) ?? ""
        approximateAgeText = try c.decodeIfPresent(String.self, forKey: .approximateAgeText) ?? ""
        village = try c.decodeIfPresent(String.self, forKey: .village) ?? ""
        caregiver = try c.decodeIfPresent(String.self, forKey: .caregiver) ?? ""
        nickname = try c.decodeIfPresent(String.self, forKey: .nickname) ?? ""
        concerns = try c.decodeIfPresent([String].self, forKey: .concerns) ?? []
        whenHappened = try c.decodeIfPresent(String.self, forKey: .whenHappened) ?? ""
        whereHappened = try c.decodeIfPresent(String.self, forKey: .whereHappened) ?? ""
        narrative = try c.decodeIfPresent(String.self, forKey: .narrative) ?? ""
        inDangerNow = try c.decodeIfPresent(Bool.self, forKey: .inDangerNow)
        childAssent = try c.decodeIfPresent(Answer.self, forKey: .childAssent) ?? .notAsked
        caregiverConsent = try c.decodeIfPresent(Answer.self, forKey: .caregiverConsent) ?? .notAsked
        reasonWithoutConsent = try c.decodeIfPresent(String.self, forKey: .reasonWithoutConsent) ?? ""
    }
}

/// A field of the guided report, used to place validation messages next to the right field.
public enum ReportField: String, CaseIterable, Codable, Sendable {
    case reporterKind, reporterName, reporterContact
    case childName, sex, dateOfBirth, approximateAge, village, caregiver, nickname
    case concerns, whenHappened, whereHappened, narrative
    case inDangerNow
    case childAssent, caregiverConsent, reasonWithoutConsent
}

/// Why a field's value cannot be saved. The TUI turns each into a kind sentence in the user's language.
public enum ValidationIssue: Hashable, Sendable {
    /// A required answer is missing.
    case required
    /// A date that Kinga cannot read (expects `YYYY-MM-DD` or `DD/MM/YYYY`).
    case dateUnreadable
    /// A date that does not exist (31 February, 29 February in a non-leap year).
    case dateDoesNotExist
    /// A date in the year 0, which does not exist: the message asks about the year, not the day and month.
    case yearDoesNotExist
    /// A date of birth after today.
    case dateInFuture
    /// The person is 18 or older on that date: Kinga is for children (0–17).
    case notAChild(years: Int)
    /// Age typed is not a whole number.
    case ageNotANumber
    /// Age below 0 or 18 and over.
    case ageOutOfRange
    /// Both a date of birth and an age were given and they disagree by more than a year.
    case ageDisagreesWithBirthDate(years: Int)
    /// Text longer than the field allows (characters).
    case tooLong(max: Int)
}

extension ValidationIssue {
    /// What to tell the person about a date `LocalDate.parse` refused: the year, the day, or the way it is written.
    public init(dateError: Error) {
        switch dateError as? LocalDate.ParseError {
        case .noSuchYear?: self = .yearDoesNotExist
        case .noSuchDay?: self = .dateDoesNotExist
        default: self = .dateUnreadable
        }
    }
}

/// The steps of the guided report, in order (one topic per step, as the GOV.UK "one thing per page" pattern).
public enum ReportStep: Int, CaseIterable, Codable, Sendable {
    case reporter = 0, child, whatHappened, danger, consent, review

    /// The fields a step owns, in screen order.
    public var fields: [ReportField] {
        switch self {
        case .reporter: return [.reporterKind, .reporterName, .reporterContact]
        case .child: return [.childName, .sex, .dateOfBirth, .approximateAge, .village, .caregiver, .nickname]
        case .whatHappened: return [.concerns, .whenHappened, .whereHappened, .narrative]
        case .danger: return [.inDangerNow]
        case .consent: return [.childAssent, .caregiverConsent, .reasonWithoutConsent]
        case .review: return []
        }
    }
}

/// Limits on free text, in characters (grapheme clusters). They keep one record readable on a screen and
/// stop runaway pastes; they are not a rule from any guideline.
public enum TextLimits {
    /// Names, villages, contacts and other one-line fields.
    public static let line = 120
    /// The reporter's own words and notes.
    public static let narrative = 10_000
}

/// The rules that decide whether a report can move on or be saved.
public enum ReportValidation {
    /// Checks the fields of one step.
    /// - Parameters:
    ///   - step: the step being left with "Next".
    ///   - report: the answers so far.
    ///   - today: the kiosk's calendar date (from the injectable clock).
    /// - Returns: issues by field; empty when the step is complete.
    public static func issues(for step: ReportStep, in report: Report, today: LocalDate) -> [ReportField: ValidationIssue] {
        var out: [ReportField: ValidationIssue] = [:]
        func checkLength(_ f: ReportField, _ s: String, _ max: Int) {
            if s.count > max { out[f] = .tooLong(max: max) }
        }
        switch step {
        case .reporter:
            if report.reporterKind == nil { out[.reporterKind] = .required }
            checkLength(.reporterName, report.reporterName, TextLimits.line)
            checkLength(.reporterContact, report.reporterContact, TextLimits.line)
        case .child:
            checkLength(.childName, report.childName, TextLimits.line)
            if report.sex == nil { out[.sex] = .required }
            let dobText = report.dateOfBirthText.trimmingCharacters(in: .whitespaces)
            let ageText = report.approximateAgeText.trimmingCharacters(in: .whitespaces)
            var dob: LocalDate?
            if !dobText.isEmpty {
                do {
                    let d = try LocalDate.parse(dobText)
                    if d > today { out[.dateOfBirth] = .dateInFuture }
                    else if d.fullYears(until: today) >= 18 { out[.dateOfBirth] = .notAChild(years: d.fullYears(until: today)) }
                    else { dob = d }
                } catch {
                    out[.dateOfBirth] = ValidationIssue(dateError: error)
                }
            }
            if !ageText.isEmpty {
                if let n = Int(ageText), ageText.allSatisfy(\.isASCIIDigitChar) || ageText.hasPrefix("-") {
                    if n < 0 || n > 17 { out[.approximateAge] = .ageOutOfRange }
                    else if let d = dob, abs(d.fullYears(until: today) - n) > 1 {
                        out[.approximateAge] = .ageDisagreesWithBirthDate(years: d.fullYears(until: today))
                    }
                } else {
                    out[.approximateAge] = .ageNotANumber
                }
            }
            if dobText.isEmpty && ageText.isEmpty { out[.approximateAge] = .required }
            checkLength(.village, report.village, TextLimits.line)
            if report.village.trimmingCharacters(in: .whitespaces).isEmpty { out[.village] = .required }
            checkLength(.caregiver, report.caregiver, TextLimits.line)
            checkLength(.nickname, report.nickname, TextLimits.line)
        case .whatHappened:
            if report.concerns.isEmpty { out[.concerns] = .required }
            checkLength(.whenHappened, report.whenHappened, TextLimits.line)
            checkLength(.whereHappened, report.whereHappened, TextLimits.line)
            checkLength(.narrative, report.narrative, TextLimits.narrative)
        case .danger:
            if report.inDangerNow == nil { out[.inDangerNow] = .required }
        case .consent:
            // A reason is needed when someone said no. "Not asked yet" is allowed at intake (a neighbour's report),
            // but referrals then wait until consent is recorded or a supervisor overrides (see `ConsentCheck`).
            let someoneSaidNo = report.childAssent == .no || report.caregiverConsent == .no
            if someoneSaidNo && report.reasonWithoutConsent.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                out[.reasonWithoutConsent] = .required
            }
            checkLength(.reasonWithoutConsent, report.reasonWithoutConsent, TextLimits.line * 4)
        case .review:
            for s in ReportStep.allCases where s != .review {
                out.merge(issues(for: s, in: report, today: today)) { a, _ in a }
            }
        }
        return out
    }

    /// The child's age from what was typed: the date of birth when valid, else the approximate age.
    /// - Returns: nil when neither is usable (the report is not valid then).
    public static func childAge(of report: Report, today: LocalDate) -> ChildAge? {
        let dobText = report.dateOfBirthText.trimmingCharacters(in: .whitespaces)
        if !dobText.isEmpty, let d = try? LocalDate.parse(dobText), d <= today { return .born(d) }
        if let n = Int(report.approximateAgeText.trimmingCharacters(in: .whitespaces)), (0...17).contains(n) {
            return .approximately(years: n, recordedOn: today)
        }
        return nil
    }
}
