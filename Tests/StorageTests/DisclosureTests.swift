import Exports
import Figures
import Foundation
import Testing
@testable import Model
@testable import Storage
import SyntheticData
import StoreTestSupport

@Suite("Disclosure control: no hidden count can be worked out from the published figures (issue #15)")
struct DisclosureTests {
    /// The CSV and the JSON of `stats`, as a reader parses them; they must say the same.
    static func published(_ stats: CaseStatistics) throws -> PublishedFigures {
        let csv = try PublishedFigures(csv: StatisticsExport.csv(stats))
        let json = try PublishedFigures(json: StatisticsExport.json(stats))
        #expect(csv == json, "the CSV and the JSON say different things")
        return csv
    }

    /// Everything wrong with one export: what the attacker works out, and any published figure that is not
    /// the truth (a number that differs, a "<5" that is not between 1 and 4).
    static func problems(_ stats: CaseStatistics, truth: CaseStatistics) throws -> [String] {
        let p = try published(stats)
        var out = DisclosureAttack(p).findings
        let real = try published(truth)
        func compare(_ name: String, _ shown: [PublishedFigures.Cell], _ actual: [PublishedFigures.Cell]) {
            var truthOf: [String: Int] = [:]
            for c in actual { if case .exact(let n) = c.value { truthOf[c.label] = n } }
            for c in shown { check("\(name) \(c.label)", c.value, truthOf[c.label] ?? 0) }
        }
        func check(_ name: String, _ f: PublishedFigures.Figure, _ actual: Int) {
            switch f {
            case .exact(let n) where n != actual: out.append("\(name): published \(n), but it is \(actual)")
            case .below(let b) where !(1..<b).contains(actual): out.append("\(name): published <\(b), but it is \(actual)")
            default: break
            }
        }
        func exact(_ f: PublishedFigures.Figure?) -> Int { if case .exact(let n)? = f { return n }; return 0 }
        check("cases registered", p.registered, exact(real.registered))
        check("cases closed", p.closed, exact(real.closed))
        check("follow-ups overdue", p.overdue, exact(real.overdue))
        compare("by protection concern", p.concerns, real.concerns)
        compare("by village", p.villages, real.villages)
        compare("by age group", p.ages, real.ages)
        compare("by sex", p.sexes, real.sexes)
        compare("registered per month", p.newPerMonth, real.newPerMonth)
        compare("closed per month", p.closedPerMonth, real.closedPerMonth)
        for r in p.referrals {
            guard let t = real.referrals.first(where: { $0.service == r.service }) else { out.append("referrals \(r.service): not in the data"); continue }
            check("referrals \(r.service) sent", r.sent, exact(t.sent))
            if let a = r.answered { check("referrals \(r.service) answered", a, exact(t.answered)) }
            check("referrals \(r.service) accepted", r.accepted, exact(t.accepted))
            check("referrals \(r.service) completed", r.completed, exact(t.completed))
        }
        return out
    }

    /// The problems of one period's export from `store`, each named with `what`, the period and the threshold.
    static func attack(_ store: KingaStore, from: LocalDate, to: LocalDate, threshold: Int, _ what: String,
                       _ examined: inout Examined) throws -> [String] {
        let stats = try store.statistics(from: from, to: to, threshold: threshold)
        examined.add(try published(stats))
        return try problems(stats, truth: store.statistics(from: from, to: to, threshold: 1))
            .map { "\(what) \(from.iso)…\(to.iso), threshold \(threshold): \($0)" }
    }

    @Test("the demo's statistics, for every period of the screen and at three thresholds, give nothing away")
    func demo() throws {
        let dir = TempDir()
        let store = try KingaStore(test: dir.path + "/demo.sqlite", clock: pinned)
        try Seeds.fillDemo(store, seeds: seedsFolder, timeZone: TimeZone(identifier: "UTC")!)
        let today = pinned.today
        let periods = [(LocalDate(year: 2026, month: 3, day: 1)!, today), (today.adding(days: -90), today), (today.adding(days: -364), today),
                       (LocalDate(year: 2026, month: 1, day: 1)!, today), (LocalDate(year: 1900, month: 1, day: 1)!, today)]
        var all: [String] = []
        var examined = Examined()
        for threshold in [5, 3, 10] {
            for (from, to) in periods {
                all += try Self.attack(store, from: from, to: to, threshold: threshold, "demo", &examined)
            }
        }
        if !all.isEmpty { Issue.record("\(all.count) disclosures:\n\(all.prefix(40).joined(separator: "\n"))") }
        // Not an empty check: the demo has hidden counts of every kind to attack.
        #expect(examined.small > 50 && examined.hidden > 5 && examined.rates > 5 && examined.smallInReferrals > 5, "\(examined)")
    }

    @Test("random fictional archives (seeded), over random periods, give nothing away")
    func randomArchives() throws {
        var all: [String] = []
        var examined = Examined()
        var rng = SyntheticArchive.Random(seed: 20_261_502)
        for (seed, cases) in [(1, 25), (2, 60), (3, 140), (4, 320), (5, 700)] as [(UInt64, Int)] {
            let dir = TempDir()
            let store = try KingaStore(test: dir.path + "/a.sqlite", clock: pinned)
            try SyntheticArchive.generate(into: store, cases: cases, seed: seed)
            try SyntheticArchive.addReferrals(into: store, seed: seed)
            for _ in 0..<6 {
                let from = pinned.today.adding(days: -rng.below(6 * 365))
                let to = min(pinned.today, from.adding(days: rng.pick([30, 90, 364, 800, 2200])))
                let threshold = rng.pick([5, 5, 3, 10])
                all += try Self.attack(store, from: from, to: to, threshold: threshold, "archive \(seed) (\(cases) cases)", &examined)
            }
        }
        if !all.isEmpty { Issue.record("\(all.count) disclosures:\n\(all.prefix(40).joined(separator: "\n"))") }
        #expect(examined.small > 200 && examined.hidden > 20 && examined.rates > 20 && examined.smallInReferrals > 20, "\(examined)")
    }

    /// Thresholds from 3: at 2, "<2" can only mean 1, so there is no band to protect.
    @Test("2,000 random sets of counts (seeded), at thresholds 3 to 10, give nothing away")
    func randomCounts() throws {
        var rng = SyntheticArchive.Random(seed: 15_002)
        var all: [String] = []
        var examined = Examined()
        for round in 0..<2_000 {
            let counts = Self.randomCounts(&rng)
            let threshold = rng.pick([3, 4, 5, 5, 5, 10])
            let stats = DisclosureControl.publish(counts, threshold: threshold)
            examined.add(try Self.published(stats))
            all += try Self.problems(stats, truth: DisclosureControl.publish(counts, threshold: 1)).map { "round \(round), threshold \(threshold): \($0)" }
        }
        if !all.isEmpty { Issue.record("\(all.count) disclosures:\n\(all.prefix(40).joined(separator: "\n"))") }
        #expect(examined.small > 3_000 && examined.hidden > 500 && examined.smallInReferrals > 500, "\(examined)")
    }

    @Test("the attacker finds what issue 15 found: 4 of 9 from '44 %', a total from its parts, a <5 that is 6")
    func attackerWorks() throws {
        func referral(_ completed: StatCell, _ percent: Int?) -> ReferralRow {
            ReferralRow(service: "social welfare", sent: .count(9), answered: .count(7), accepted: .count(6), completed: completed,
                        acceptancePercent: 86, completionPercent: percent, medianDaysToReply: 2)
        }
        func stats(registered: StatCell, sexes: [StatCell], referral r: ReferralRow) -> CaseStatistics {
            CaseStatistics(from: "2026-01-01", to: "2026-03-02", threshold: 5, newCases: registered, closedCases: .count(0), byConcern: [],
                           byVillage: [], byAgeGroup: [], bySex: zip(["female", "male", "unknown"], sexes).map { StatRow(label: $0.0, value: $0.1) },
                           byMonth: [], referrals: [r], overdueFollowUps: .count(0))
        }
        let leaky = DisclosureAttack(try Self.published(stats(registered: .count(30), sexes: [.count(27), .suppressed(threshold: 5), .count(0)],
                                                              referral: referral(.suppressed(threshold: 5), 44)))).findings
        #expect(leaky.contains("referrals social welfare completed: shown as <5, worked out as one of [4]"), "\(leaky)")
        #expect(leaky.contains("referrals social welfare: completion rate published without a published base of at least 5 and a published count"))
        #expect(leaky.contains("by sex male: shown as <5, worked out as exactly 3"), "\(leaky)")
        let total = DisclosureAttack(try Self.published(stats(registered: .suppressed(threshold: 5), sexes: [.suppressed(threshold: 5), .count(0), .count(0)],
                                                              referral: referral(.count(5), 56)))).findings
        #expect(total.isEmpty, "one part equal to a hidden total says no more than the total: \(total)")
        let parts = DisclosureAttack(try Self.published(stats(registered: .suppressed(threshold: 5), sexes: [.suppressed(threshold: 5), .suppressed(threshold: 5), .count(0)],
                                                              referral: referral(.count(5), 56)))).findings
        #expect(parts.contains("by sex female: shown as <5, worked out as between 1 and 3"), "\(parts)")
        // A "<5" that hides a 6 beside a total makes the figures contradict each other.
        let mislabelled = DisclosureAttack(try Self.published(stats(registered: .count(40), sexes: [.count(30), .suppressed(threshold: 5), .suppressed(threshold: 5)],
                                                                    referral: referral(.count(5), 56)))).findings
        #expect(mislabelled.contains { $0.contains("contradict") }, "\(mislabelled)")
        let safe = DisclosureAttack(try Self.published(stats(registered: .count(40), sexes: [.count(30), .suppressed(threshold: 5), .withheld],
                                                             referral: referral(.count(5), 56)))).findings
        #expect(safe.isEmpty, "\(safe)")
    }

    /// How many hidden figures the attacker had to work on (so a pass is not an empty check).
    struct Examined: CustomStringConvertible {
        var small = 0, hidden = 0, rates = 0, smallInReferrals = 0
        mutating func add(_ p: PublishedFigures) {
            let cells = [p.registered, p.closed] + (p.concerns + p.villages + p.ages + p.sexes + p.newPerMonth + p.closedPerMonth).map(\.value)
            for c in cells {
                if case .below = c { small += 1 }
                if c == .hidden { hidden += 1 }
            }
            for r in p.referrals {
                rates += [r.acceptancePercent, r.completionPercent].compactMap { $0 }.count + (r.medianDays == nil ? 0 : 1)
                smallInReferrals += [r.sent, r.answered ?? .exact(0), r.accepted, r.completed].filter { if case .below = $0 { return true }; return false }.count
            }
        }
        var description: String { "examined \(small) <N, \(hidden) x, \(rates) rates and medians, \(smallInReferrals) <N in referrals" }
    }

    /// Random raw counts shaped like a period's: cases spread unevenly over villages, ages, sexes and months
    /// (many small cells), each case under 1 to 3 concerns, referrals to a few services with every status.
    static func randomCounts(_ r: inout SyntheticArchive.Random) -> StatisticsCounts {
        let registered = r.pick([0, 1, 3, 4, 5, 6, 8, 12, 20, 35, 60, 150])
        func spread(_ n: Int, over labels: [String]) -> [StatisticsCounts.Item] {
            // Uneven weights, so some cells are large and some are 1 to 4.
            let weights = labels.map { _ in 1 + r.below(4) * r.below(6) }
            var counts = labels.map { _ in 0 }
            for _ in 0..<n {
                var x = r.below(weights.reduce(0, +))
                for i in counts.indices { if x < weights[i] { counts[i] += 1; break }; x -= weights[i] }
            }
            return zip(labels, counts).map { StatisticsCounts.Item(label: $0.0, count: $0.1) }
        }
        let villages = spread(registered, over: (0..<(1 + r.below(12))).map { "Village \($0)" }).filter { $0.count > 0 }
        let monthLabels = (0..<(1 + r.below(14))).map { String(format: "2025-%02d", $0 % 12 + 1) + ($0 >= 12 ? "b" : "") }
        let new = spread(registered, over: monthLabels)
        let closedTotal = r.pick([0, 1, 2, 4, 5, 7, 15, 40])
        let closed = spread(closedTotal, over: monthLabels)
        let concernNames = ["neglect", "child_labour", "child_marriage", "physical_violence", "out_of_school", "separated", "online_abuse", "other"]
        var concerns: [String: Int] = [:]
        for _ in 0..<registered {
            var mine = Set<String>()
            for _ in 0..<(1 + r.below(3)) { mine.insert(r.pick(Array(concernNames.prefix(2 + r.below(7))))) }
            for c in mine { concerns[c, default: 0] += 1 }
        }
        let services = (0..<r.below(6)).map { i -> StatisticsCounts.Service in
            let sent = r.pick([1, 2, 4, 5, 6, 9, 12, 25])
            var s = StatisticsCounts.Service(service: "service \(i)", sent: sent, answered: 0, accepted: 0, completed: 0, daysToAnswer: [])
            for _ in 0..<sent {
                switch r.below(5) {
                case 0: break                                       // pending or withdrawn
                case 1: s.answered += 1; s.daysToAnswer.append(Double(r.below(10)))          // declined
                case 2: s.answered += 1; s.accepted += 1; s.daysToAnswer.append(Double(r.below(10)))
                default: s.answered += 1; s.accepted += 1; s.completed += 1; s.daysToAnswer.append(Double(r.below(10)))
                }
            }
            return s
        }
        return StatisticsCounts(
            from: "2025-01-01", to: "2025-12-31", registered: registered, closed: closedTotal, overdueFollowUps: r.below(8),
            byConcern: concerns.keys.sorted().map { StatisticsCounts.Item(label: $0, count: concerns[$0]!) }, byVillage: villages,
            byAgeGroup: spread(registered, over: ["0-4", "5-9", "10-14", "15-17", "unknown"]),
            bySex: spread(registered, over: ["female", "male", "unknown"]),
            months: zip(new, closed).map { StatisticsCounts.Month(month: $0.0.label, registered: $0.0.count, closed: $0.1.count) },
            referrals: services)
    }
}
