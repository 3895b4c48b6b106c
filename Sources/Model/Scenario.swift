import Foundation

/// Text written in several languages, in a scenario (by a trainer) or a country profile (phone labels, "what
/// to do now", concern labels): a map from language code to text (`{en: …, id: …, fr: …}`), or one plain
/// string, taken as English. A reader sees their language's text, English where there is none in theirs.
public struct LocalizedText: Codable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// Language code ("en", "id", "fr") → text.
    public let byLanguage: [String: String]

    /// Text per language code.
    public init(_ byLanguage: [String: String]) { self.byLanguage = byLanguage }
    /// One English text.
    public init(stringLiteral value: String) { byLanguage = ["en": value] }

    /// - Throws: `DecodingError` when the value is neither a string nor a map of strings.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            byLanguage = ["en": s]
        } else {
            byLanguage = try c.decode([String: String].self)
        }
    }

    /// One string when only English is given, else the map.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if byLanguage.count == 1, let en = byLanguage["en"] { try c.encode(en) } else { try c.encode(byLanguage) }
    }

    /// The text in `language` (a code such as "fr"), else English, else any language given; trimmed.
    public func text(_ language: String) -> String {
        let t = byLanguage[language] ?? byLanguage["en"] ?? byLanguage.keys.sorted().first.flatMap { byLanguage[$0] } ?? ""
        return t.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The English text (every language's fallback).
    public var english: String { text("en") }
    public var description: String { english }
}

/// What Kinga checks in the demo to tick a practice step (issue #8, trainer mode).
public enum ScenarioCheck: Hashable, Sendable {
    /// Talked about, not done in Kinga: the trainer ticks it.
    case none
    /// A report was registered (with this concern, when given).
    case reportRegistered(concern: String?)
    /// The risk was assessed (at this level or higher, when given).
    case riskAssessed(atLeast: RiskLevel?)
    /// A case plan was saved.
    case planMade
    /// A referral was sent (to this kind of service, when given).
    case referralSent(ServiceType?)
    /// A follow-up was recorded.
    case followUpRecorded
}

/// One step of a practice scenario: what to do in Kinga, hints, and how Kinga knows it is done.
public struct ScenarioStep: Hashable, Sendable {
    /// Short name of the step (≤ 40 characters is best: it shows on the DEMO line).
    public var title: LocalizedText
    /// What to do in Kinga, naming the keys (`do:` in the file).
    public var todo: LocalizedText
    /// Shown one at a time with `h`.
    public var hints: [LocalizedText]
    /// How Kinga knows the step is done.
    public var check: ScenarioCheck
}

/// A practice scenario for training volunteers on the demo (`seeds/scenarios/*.yaml`, written by trainers
/// without code; see `seeds/scenarios/README.md`). Good practice follows the Inter-agency Guidelines for
/// Case Management and Child Protection (2014) and the Child Protection Minimum Standards (2019).
public struct Scenario: Hashable, Sendable, Identifiable {
    public var id: String
    /// How long the exercise takes, in minutes.
    public var minutes: Int
    public var title: LocalizedText
    /// The story the trainer reads out.
    public var situation: LocalizedText
    public var steps: [ScenarioStep]
    /// What a good response would have included.
    public var goodResponse: [LocalizedText]
    /// Services that are a mistake in this scenario (for example family mediation after sexual violence).
    public var mustNotRefer: [ServiceType]
}

/// Why a scenario file cannot be used: the field and what is wrong, in words a trainer can act on.
public struct ScenarioProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var problem: String
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }
    public var description: String { "\(file): \(problem)" }
}

extension Scenario {
    /// The file's shape (YAML keys, named as trainers write them), before the checks are read; every field is
    /// optional here so `build` can say which one is missing.
    public struct File: Decodable, Sendable {
        public var id: String?
        public var minutes: Int?
        public var title: LocalizedText?
        public var situation: LocalizedText?
        public var steps: [StepFile]?
        public var good_response: [LocalizedText]?
        public var must_not_refer: [String]?
        public init(id: String?, minutes: Int?, title: LocalizedText?, situation: LocalizedText?, steps: [StepFile]?,
                    good_response: [LocalizedText]?, must_not_refer: [String]?) {
            self.id = id
            self.minutes = minutes
            self.title = title
            self.situation = situation
            self.steps = steps
            self.good_response = good_response
            self.must_not_refer = must_not_refer
        }
    }

    /// One step as written in the file (`check` as text: `report_registered`, `risk_assessed`, …).
    public struct StepFile: Decodable, Sendable {
        public var title: LocalizedText?
        public var `do`: LocalizedText?
        public var hints: [LocalizedText]?
        public var check: String?
        public var concern: String?
        public var risk: String?
        public var service: String?
        public init(title: LocalizedText?, do todo: LocalizedText?, hints: [LocalizedText]?, check: String?, concern: String?,
                    risk: String?, service: String?) {
            self.title = title
            self.do = todo
            self.hints = hints
            self.check = check
            self.concern = concern
            self.risk = risk
            self.service = service
        }
    }

    /// Checks a decoded file and builds the scenario.
    /// - Parameters:
    ///   - file: the file name, for messages.
    ///   - concerns: the concern ids a report may use (from the profile); nil skips that check.
    /// - Throws: `ScenarioProblem` naming the first missing or unknown value.
    public static func build(_ f: File, file: String, concerns: Set<String>?) throws -> Scenario {
        func fail(_ p: String) -> ScenarioProblem { ScenarioProblem(file: file, problem: p) }
        guard let id = f.id?.trimmingCharacters(in: .whitespaces), !id.isEmpty,
              id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
            throw fail("id is missing or has characters other than a–z, 0–9 and -")
        }
        guard let title = f.title, !title.text("en").isEmpty else { throw fail("title is missing") }
        guard let situation = f.situation, !situation.text("en").isEmpty else { throw fail("situation is missing") }
        guard let rawSteps = f.steps, !rawSteps.isEmpty else { throw fail("steps are missing") }
        var steps: [ScenarioStep] = []
        for (i, s) in rawSteps.enumerated() {
            let n = i + 1
            guard let t = s.title, !t.text("en").isEmpty else { throw fail("step \(n) has no title") }
            guard let todo = s.do, !todo.text("en").isEmpty else { throw fail("step \(n) has no \"do\"") }
            let check: ScenarioCheck
            switch s.check ?? "none" {
            case "none": check = .none
            case "report_registered":
                if let c = s.concern, let known = concerns, !known.contains(c) { throw fail("step \(n): unknown concern \(c)") }
                check = .reportRegistered(concern: s.concern)
            case "risk_assessed":
                guard s.risk.map({ RiskLevel(rawValue: $0) != nil }) ?? true else { throw fail("step \(n): risk is high, medium or low") }
                check = .riskAssessed(atLeast: s.risk.flatMap(RiskLevel.init(rawValue:)))
            case "plan_made": check = .planMade
            case "referral_sent":
                guard s.service.map({ ServiceType(rawValue: $0) != nil }) ?? true else { throw fail("step \(n): unknown service \(s.service!)") }
                check = .referralSent(s.service.flatMap(ServiceType.init(rawValue:)))
            case "follow_up_recorded": check = .followUpRecorded
            case let other: throw fail("step \(n): unknown check \(other)")
            }
            steps.append(ScenarioStep(title: t, todo: todo, hints: s.hints ?? [], check: check))
        }
        var avoid: [ServiceType] = []
        for raw in f.must_not_refer ?? [] {
            guard let s = ServiceType(rawValue: raw) else { throw fail("must_not_refer: unknown service \(raw)") }
            avoid.append(s)
        }
        // Kinga follows the practice case from its report, and every scenario teaches a referral.
        guard case .reportRegistered = steps[0].check else { throw fail("the first step must have check: report_registered") }
        let referred = steps.compactMap { s -> ServiceType?? in if case .referralSent(let t) = s.check { return .some(t) }; return nil }
        guard !referred.isEmpty else { throw fail("at least one step must have check: referral_sent") }
        if let clash = referred.compactMap({ $0 }).first(where: { avoid.contains($0) }) {
            throw fail("must_not_refer names \(clash.rawValue), which a step asks to refer to")
        }
        return Scenario(id: id, minutes: max(1, f.minutes ?? 20), title: title, situation: situation, steps: steps,
                        goodResponse: f.good_response ?? [], mustNotRefer: avoid)
    }
}

/// What the trainee did in the demo since the scenario started: read from the newest case registered
/// after the start (Storage gathers it).
public struct PracticeEvidence: Hashable, Sendable {
    /// The practice case: its id (to open it) and number (to show).
    public var caseID: UUID
    public var caseNumber: CaseNumber
    /// Its concern ids, in the order chosen.
    public var concerns: [String]
    /// The risk level chosen at the last assessment, if any.
    public var risk: RiskLevel?
    public var assessed: Bool
    public var hasPlan: Bool
    /// The service type of every referral sent, oldest first.
    public var referrals: [ServiceType]
    /// How many follow-ups were recorded.
    public var followUps: Int
    public init(caseID: UUID, caseNumber: CaseNumber, concerns: [String], risk: RiskLevel?, assessed: Bool, hasPlan: Bool,
                referrals: [ServiceType], followUps: Int) {
        self.caseID = caseID
        self.caseNumber = caseNumber
        self.concerns = concerns
        self.risk = risk
        self.assessed = assessed
        self.hasPlan = hasPlan
        self.referrals = referrals
        self.followUps = followUps
    }
}

/// Where a practice step stands.
public enum StepState: Hashable, Sendable {
    /// Done as the scenario asks.
    case done
    /// Not done yet.
    case open
    /// Done, but not as the scenario asks: the concern is missing, the risk is lower, or another service.
    case different
    /// A talking step: the trainer ticks it (`marked`).
    case talk(marked: Bool)
}

/// Ticks the steps of a scenario from the evidence (pure; tested without a database).
public enum PracticeCheck {
    /// The state of every step of scenario `s` (done, open, done differently, or a talking step and its tick), from what was
    /// done on the practice case (`evidence`, nil when nothing was registered yet) and the trainer's ticks.
    /// - Parameters:
    ///   - marked: indexes of talking steps the trainer ticked.
    /// - Returns: one state per step.
    public static func states(_ s: Scenario, evidence e: PracticeEvidence?, marked: Set<Int>) -> [StepState] {
        // A referral step is "done differently" only when a referral went to a service no step asks for
        // (a scenario may ask for two referrals, and the second is simply not done yet).
        let expected = Set(s.steps.compactMap { step -> ServiceType? in if case .referralSent(let t) = step.check { return t }; return nil })
        return s.steps.enumerated().map { i, step in
            switch step.check {
            case .none: return .talk(marked: marked.contains(i))
            case .reportRegistered(let concern):
                guard let e else { return .open }
                return concern.map { e.concerns.contains($0) } ?? true ? .done : .different
            case .riskAssessed(let least):
                guard let e, e.assessed, let r = e.risk else { return .open }
                guard let least else { return .done }
                return rank(r) >= rank(least) ? .done : .different
            case .planMade: return e?.hasPlan == true ? .done : .open
            case .referralSent(let service):
                guard let e, !e.referrals.isEmpty else { return .open }
                guard let service else { return .done }
                if e.referrals.contains(service) { return .done }
                return e.referrals.contains { !expected.contains($0) } ? .different : .open
            case .followUpRecorded: return (e?.followUps ?? 0) > 0 ? .done : .open
            }
        }
    }

    /// Referrals the scenario calls mistakes (for example family mediation after sexual violence).
    public static func mistakes(_ s: Scenario, evidence: PracticeEvidence?) -> [ServiceType] {
        guard let e = evidence else { return [] }
        return s.mustNotRefer.filter { e.referrals.contains($0) }
    }

    /// The step to work on: the first one not done (a talking step counts as done when ticked or when a
    /// later step was worked on, even differently); nil when every step is done.
    public static func current(_ states: [StepState]) -> Int? {
        let lastDone = states.lastIndex { $0 == .done || $0 == .different || $0 == .talk(marked: true) } ?? -1
        return states.indices.first { i in
            switch states[i] {
            case .done: return false
            case .talk(let m): return !m && i > lastDone
            case .open, .different: return true
            }
        }
    }

    private static func rank(_ r: RiskLevel) -> Int {
        switch r { case .low: return 0; case .medium: return 1; case .high: return 2 }
    }
}
