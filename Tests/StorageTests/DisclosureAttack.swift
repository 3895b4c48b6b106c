import CSV
import Foundation
@testable import Model
@testable import Storage

/// What a reader of a statistics export knows: every figure as published (CSV or JSON), nothing else.
/// Parsed from the file's text, not through Kinga's own types, so the attack reads what a person reads.
struct PublishedFigures: Equatable {
    /// A published count: a number, "<5" (between 1 and 4) or "x" (hidden so that a small count cannot be
    /// worked out; no band is claimed).
    enum Figure: Equatable, CustomStringConvertible {
        case exact(Int), below(Int), hidden
        var description: String {
            switch self {
            case .exact(let n): return String(n)
            case .below(let t): return "<\(t)"
            case .hidden: return "x"
            }
        }
    }
    struct Cell: Equatable {
        var label: String
        var value: Figure
    }
    struct Referral: Equatable {
        var service: String
        var sent: Figure
        /// Nil when the export does not publish it (older exports).
        var answered: Figure?
        var accepted: Figure
        var completed: Figure
        var acceptancePercent: Int?
        var completionPercent: Int?
        var medianDays: Double?
    }

    var threshold = 0
    var registered = Figure.exact(0)
    var closed = Figure.exact(0)
    var overdue = Figure.exact(0)
    var concerns: [Cell] = []
    var villages: [Cell] = []
    var ages: [Cell] = []
    var sexes: [Cell] = []
    var newPerMonth: [Cell] = []
    var closedPerMonth: [Cell] = []
    var referrals: [Referral] = []

    struct Unreadable: Error, CustomStringConvertible { var description: String }

    static func figure(_ s: String) throws -> Figure {
        if let n = Int(s) { return .exact(n) }
        if s == "x" { return .hidden }
        if s.hasPrefix("<"), let t = Int(s.dropFirst()) { return .below(t) }
        throw Unreadable(description: "not a published count: \(s)")
    }

    /// Reads the CSV export (`section,item,value`).
    init(csv text: String) throws {
        let reader = try CSVReader(string: text, hasHeaderRow: true)
        var refs: [String: Referral] = [:]
        var order: [String] = []
        func ref(_ service: String, _ change: (inout Referral) -> Void) {
            if refs[service] == nil {
                refs[service] = Referral(service: service, sent: .exact(0), answered: nil, accepted: .exact(0), completed: .exact(0))
                order.append(service)
            }
            change(&refs[service]!)
        }
        while let r = reader.next() {
            guard r.count == 3 else { throw Unreadable(description: "a row without three fields: \(r)") }
            let (section, item, value) = (r[0], r[1], r[2])
            switch section {
            case "period": if item.hasPrefix("counts below") { threshold = Int(value) ?? 0 }
            case "cases": if item == "registered" { registered = try Self.figure(value) } else { closed = try Self.figure(value) }
            case "follow-ups": overdue = try Self.figure(value)
            case "by protection concern": concerns.append(Cell(label: item, value: try Self.figure(value)))
            case "by village": villages.append(Cell(label: item, value: try Self.figure(value)))
            case "by age group": ages.append(Cell(label: item, value: try Self.figure(value)))
            case "by sex": sexes.append(Cell(label: item, value: try Self.figure(value)))
            case "registered per month": newPerMonth.append(Cell(label: item, value: try Self.figure(value)))
            case "closed per month": closedPerMonth.append(Cell(label: item, value: try Self.figure(value)))
            case "referrals sent": let f = try Self.figure(value); ref(item) { $0.sent = f }
            case "referrals answered": let f = try Self.figure(value); ref(item) { $0.answered = f }
            case "referrals accepted": let f = try Self.figure(value); ref(item) { $0.accepted = f }
            case "referrals completed": let f = try Self.figure(value); ref(item) { $0.completed = f }
            case "referrals accepted, % of answered": ref(item) { $0.acceptancePercent = Int(value) }
            case "referrals completed, % of sent": ref(item) { $0.completionPercent = Int(value) }
            case "median days to the provider's answer": ref(item) { $0.medianDays = Double(value) }
            default: throw Unreadable(description: "an unknown section: \(section)")
            }
        }
        referrals = order.map { refs[$0]! }
    }

    /// Reads the JSON export.
    init(json data: Data) throws {
        guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw Unreadable(description: "not an object") }
        func fig(_ v: Any?) throws -> Figure {
            if let n = v as? Int { return .exact(n) }
            if let s = v as? String { return try Self.figure(s) }
            throw Unreadable(description: "not a count: \(String(describing: v))")
        }
        func cells(_ key: String) throws -> [Cell] {
            try (o[key] as? [[String: Any]] ?? []).map { Cell(label: $0["label"] as? String ?? "", value: try fig($0["value"])) }
        }
        threshold = o["threshold"] as? Int ?? 0
        registered = try fig(o["newCases"])
        closed = try fig(o["closedCases"])
        overdue = try fig(o["overdueFollowUps"])
        concerns = try cells("byConcern")
        villages = try cells("byVillage")
        ages = try cells("byAgeGroup")
        sexes = try cells("bySex")
        let months = o["byMonth"] as? [[String: Any]] ?? []
        newPerMonth = try months.map { Cell(label: $0["month"] as? String ?? "", value: try fig($0["new"])) }
        closedPerMonth = try months.map { Cell(label: $0["month"] as? String ?? "", value: try fig($0["closed"])) }
        referrals = try (o["referrals"] as? [[String: Any]] ?? []).map { r in
            Referral(service: r["service"] as? String ?? "", sent: try fig(r["sent"]), answered: try r["answered"].map(fig),
                     accepted: try fig(r["accepted"]), completed: try fig(r["completed"]),
                     acceptancePercent: r["acceptancePercent"] as? Int, completionPercent: r["completionPercent"] as? Int,
                     medianDays: (r["medianDaysToReply"] as? NSNumber)?.doubleValue)
        }
    }
}

/// The attacker: works out from the published figures alone what each hidden count can be, with the arithmetic
/// anyone can do (a total minus the published parts, a rate times its published base, a median's count,
/// month sums against totals, nested counts: completed ≤ accepted ≤ answered ≤ sent), and reports every
/// hidden count pinned to one value or to a narrower range than its band (1 to threshold − 1 for "<5").
///
/// What it assumes, as the README says: a "<5" is between 1 and 4; an "x" is at least the threshold and at most
/// the smallest count shown in its breakdown (the next smallest is hidden), or any number when its whole
/// breakdown is hidden; breakdowns by village, age, sex and month add up to the cases registered; closed per
/// month adds up to the cases closed; every case has at least one concern and is counted under each.
/// Ranges are found by interval propagation over those sums (exact for one sum; sound over several).
struct DisclosureAttack {
    let t: Int
    private(set) var findings: [String] = []

    static let infinity = 1 << 40

    /// A hidden quantity and what the attacker knows of it.
    struct Variable {
        var name: String
        var lo: Int
        var hi: Int
        /// The band the publication promises ("<5": 1…4), or nil for "x".
        var band: ClosedRange<Int>?
    }
    private var vars: [Variable] = []
    /// Σ coefficient·variable == constant (or ≥ constant).
    private struct Constraint {
        var terms: [(Int, Int)]
        var constant: Int
        var atLeast: Bool
    }
    private var constraints: [Constraint] = []

    init(_ p: PublishedFigures) {
        t = p.threshold
        guard t > 1 else { return }
        let registered = total(p.registered, "cases registered")
        for (name, group) in [("by village", p.villages), ("by age group", p.ages), ("by sex", p.sexes), ("registered per month", p.newPerMonth)] {
            partition(name, group, total: registered)
            order(name, group, sortedByCount: name == "by village")
        }
        partition("closed per month", p.closedPerMonth, total: total(p.closed, "cases closed"))
        concerns(p.concerns, registered: registered)
        order("by protection concern", p.concerns, sortedByCount: true)
        order("referrals", p.referrals.map { PublishedFigures.Cell(label: $0.service, value: $0.sent) }, sortedByCount: true)
        if case .below = p.overdue { _ = total(p.overdue, "follow-ups overdue") }
        propagate()
        judge()
        for r in p.referrals { referral(r) }
    }

    /// The published total as a constant (`.known`) or a variable.
    enum Total { case known(Int), variable(Int) }

    private mutating func add(_ name: String, _ f: PublishedFigures.Figure, lo: Int = 0, hi: Int = infinity) -> Int {
        switch f {
        case .below(let b): vars.append(Variable(name: name, lo: 1, hi: b - 1, band: 1...(b - 1)))
        case .hidden: vars.append(Variable(name: name, lo: lo, hi: hi, band: nil))
        case .exact(let n): vars.append(Variable(name: name, lo: n, hi: n, band: nil))
        }
        return vars.count - 1
    }

    private mutating func total(_ f: PublishedFigures.Figure, _ name: String) -> Total {
        if case .exact(let n) = f { return .known(n) }
        return .variable(add(name, f))
    }

    /// Cells that add up to `total`.
    private mutating func partition(_ name: String, _ cells: [PublishedFigures.Cell], total: Total) {
        var terms: [(Int, Int)] = []
        var constant = 0
        let shown = cells.compactMap { if case .exact(let n) = $0.value, n > 0 { return n }; return nil }
        let allHidden = !cells.isEmpty && cells.allSatisfy { $0.value == .hidden }
        for c in cells {
            switch c.value {
            case .exact(let n): constant -= n
            case .below, .hidden:
                let v = allHidden ? add("\(name) \(c.label)", c.value) : add("\(name) \(c.label)", c.value, lo: t, hi: shown.min() ?? Self.infinity)
                terms.append((v, 1))
            }
        }
        switch total {
        case .known(let n): constant += n
        case .variable(let v): terms.append((v, -1))
        }
        if cells.isEmpty { return }
        constraints.append(Constraint(terms: terms, constant: constant, atLeast: false))
    }

    /// Every case has at least one concern and counts under each: Σ ≥ registered, each ≤ registered.
    private mutating func concerns(_ cells: [PublishedFigures.Cell], registered: Total) {
        guard !cells.isEmpty else { return }
        var terms: [(Int, Int)] = []
        var constant = 0
        let shown = cells.compactMap { if case .exact(let n) = $0.value, n > 0 { return n }; return nil }
        for c in cells {
            switch c.value {
            case .exact(let n): constant -= n
            case .below, .hidden:
                let v = add("by protection concern \(c.label)", c.value, lo: t, hi: shown.min() ?? Self.infinity)
                terms.append((v, 1))
                switch registered {
                case .known(let n): constraints.append(Constraint(terms: [(v, -1)], constant: -n, atLeast: true))
                case .variable(let r): constraints.append(Constraint(terms: [(r, 1), (v, -1)], constant: 0, atLeast: true))
                }
            }
        }
        switch registered {
        case .known(let n): constant += n
        case .variable(let r): terms.append((r, -1))
        }
        constraints.append(Constraint(terms: terms, constant: constant, atLeast: true))
    }

    /// Hidden cells listed in an order that follows their counts would tell which is larger: they must be
    /// listed by name, after the counts shown.
    private mutating func order(_ name: String, _ cells: [PublishedFigures.Cell], sortedByCount: Bool) {
        guard sortedByCount else { return }
        let hidden = cells.filter { if case .exact = $0.value { return false }; return true }.map(\.label)
        if hidden != hidden.sorted() {
            findings.append("\(name): the hidden cells are listed in the order of their counts (\(hidden.joined(separator: ", "))), not by name")
        }
    }

    /// Interval propagation to a fixpoint.
    private mutating func propagate() {
        let inf = Self.infinity
        for _ in 0..<200 {
            var changed = false
            for c in constraints {
                for (i, ci) in c.terms {
                    var minR = 0, maxR = 0
                    for (k, ck) in c.terms where k != i {
                        if ck > 0 { minR += vars[k].lo; maxR += vars[k].hi } else { minR -= vars[k].hi; maxR -= vars[k].lo }
                    }
                    var lo = vars[i].lo, hi = vars[i].hi
                    if c.atLeast {
                        if ci > 0 { lo = max(lo, c.constant - maxR) } else if maxR < inf / 2 { hi = min(hi, maxR - c.constant) }
                    } else if ci > 0 {
                        lo = max(lo, c.constant - maxR)
                        if minR > -inf / 2 { hi = min(hi, c.constant - minR) }
                    } else {
                        if minR > -inf / 2 { lo = max(lo, minR - c.constant) }
                        if maxR < inf / 2 { hi = min(hi, maxR - c.constant) }
                    }
                    if lo != vars[i].lo || hi != vars[i].hi {
                        vars[i].lo = lo
                        vars[i].hi = hi
                        changed = true
                    }
                }
            }
            if !changed { return }
        }
    }

    private mutating func judge() {
        for v in vars {
            if v.lo > v.hi {
                findings.append("\(v.name): the published figures contradict each other (a hidden cell is not what its mark says)")
            } else if let band = v.band {
                if v.lo > band.lowerBound || v.hi < band.upperBound {
                    findings.append(v.lo == v.hi ? "\(v.name): shown as <\(t), worked out as exactly \(v.lo)"
                                                 : "\(v.name): shown as <\(t), worked out as between \(v.lo) and \(v.hi)")
                }
            } else if v.lo == v.hi {
                findings.append("\(v.name): shown as x, worked out as exactly \(v.lo)")
            }
        }
    }

    /// One service's row: every combination of the hidden counts that fits the published rates, median and
    /// the nesting completed ≤ accepted ≤ answered ≤ sent.
    private mutating func referral(_ r: PublishedFigures.Referral) {
        func range(_ f: PublishedFigures.Figure?, upTo cap: Int) -> ClosedRange<Int> {
            switch f {
            case .exact(let n)?: return n...n
            case .below(let b)?: return 1...(b - 1)
            case .hidden?, nil: return 0...cap
            }
        }
        func exact(_ f: PublishedFigures.Figure?) -> Int? { if case .exact(let n)? = f { return n }; return nil }
        // The promises: a rate or median only on published counts, its base at least the threshold.
        if r.acceptancePercent != nil, !((exact(r.answered) ?? 0) >= t && exact(r.accepted) != nil) {
            findings.append("referrals \(r.service): acceptance rate published without a published base of at least \(t) and a published count")
        }
        if r.completionPercent != nil, !((exact(r.sent) ?? 0) >= t && exact(r.completed) != nil) {
            findings.append("referrals \(r.service): completion rate published without a published base of at least \(t) and a published count")
        }
        if r.medianDays != nil, !((exact(r.answered) ?? 0) >= t) {
            findings.append("referrals \(r.service): median published without at least \(t) published answers")
        }
        var seen: [String: Set<Int>] = [:]
        let sR = range(r.sent, upTo: 200)
        for s in sR {
            for n in range(r.answered, upTo: s) where n <= s {
                for a in range(r.accepted, upTo: n) where a <= n {
                    for c in range(r.completed, upTo: a) where c <= a {
                        if let p = r.acceptancePercent { guard n >= t, abs(Double(a) * 100 / Double(n) - Double(p)) <= 0.5 + 1e-9 else { continue } }
                        if let q = r.completionPercent { guard s >= t, abs(Double(c) * 100 / Double(s) - Double(q)) <= 0.5 + 1e-9 else { continue } }
                        if let m = r.medianDays {
                            guard n >= t else { continue }
                            if r.answered != nil, m.truncatingRemainder(dividingBy: 1) != 0, n % 2 == 1 { continue }
                        }
                        seen["sent", default: []].insert(s)
                        seen["answered", default: []].insert(n)
                        seen["accepted", default: []].insert(a)
                        seen["completed", default: []].insert(c)
                    }
                }
            }
        }
        for (what, f) in [("sent", r.sent), ("answered", r.answered ?? .exact(-1)), ("accepted", r.accepted), ("completed", r.completed)] {
            guard case .below(let b) = f else { continue }
            let values = seen[what] ?? []
            if values.isEmpty {
                findings.append("referrals \(r.service) \(what): the published figures contradict each other")
            } else if values != Set(1...(b - 1)) {
                findings.append("referrals \(r.service) \(what): shown as <\(b), worked out as one of \(values.sorted())")
            }
        }
    }
}
