import Exports
import Figures
import Foundation
import I18n
import Model
import Storage

/// Anonymised statistics for a period, as horizontal bars with the numbers beside them and month-by-month
/// sparklines (issue #8). Small counts show as "<5" (the profile's threshold), exactly as exported; bars
/// are drawn with █, so they read the same in monochrome. `1`–`5` choose the period, `e` saves the CSV for
/// the social welfare office.
final class StatisticsScreen: Screen {
    var title: String { S.statsTitle }
    var helpKey: String { "help.statistics" }
    enum Period: Int, CaseIterable { case month = 1, quarter, year, calendarYear, everything }
    private(set) var period: Period = .year
    private(set) var stats: CaseStatistics?
    private var error: String?
    private var scroll = 0
    private var lastLines = 0
    private var pageHeight = 10

    func appear(_ app: App) { load(app) }

    /// First and last day of the period, from today's date.
    static func range(_ p: Period, today: LocalDate) -> (LocalDate, LocalDate) {
        switch p {
        case .month: return (LocalDate(year: today.year, month: today.month, day: 1)!, today)
        case .quarter: return (today.adding(days: -90), today)
        case .year: return (today.adding(days: -364), today)
        case .calendarYear: return (LocalDate(year: today.year, month: 1, day: 1)!, today)
        case .everything: return (LocalDate(year: 1900, month: 1, day: 1)!, today)
        }
    }

    private func load(_ app: App) {
        let (from, to) = Self.range(period, today: app.clock.today)
        do {
            stats = try app.store.statistics(from: from, to: to, threshold: app.profile.smallCellThreshold) { label in
                switch label {
                case .concern(let c): return S.concern(c, app.profile)
                case .sex(let s): return S.sex(s)
                case .ageGroup(.unknown): return S.ageUnknown
                case .ageGroup(let a): return a.rawValue
                case .service(let s): return ServiceType(rawValue: s).map(S.service) ?? s
                }
            }
            error = nil
        } catch {
            self.error = S.cycleError(error)
        }
        scroll = 0
    }

    func hints(_ app: App) -> [(String, String)] {
        [("1–5", S.statsPeriodKey), ("e", S.kExport), ("↑↓", S.kMove), ("Esc", S.kBack), ("?", S.kHelp)]
    }

    func handle(_ key: Key, _ app: App) -> Action {
        switch key {
        case .char(let c) where c.wholeNumberValue.map({ (1...5).contains($0) }) == true:
            period = Period(rawValue: c.wholeNumberValue!)!
            load(app)
        case .char("e"), .char("E"): export(app)
        case .up: scroll = max(0, scroll - 1)
        case .down: scroll = min(max(0, lastLines - pageHeight), scroll + 1)
        case .pageUp: scroll = max(0, scroll - pageHeight)
        case .pageDown: scroll = min(max(0, lastLines - pageHeight), scroll + pageHeight)
        case .home: scroll = 0
        case .escape, .char("q"): return .pop
        default: break
        }
        return .none
    }

    /// Writes the CSV beside the database (`exports/`, or `exports-demo/` for the demo; private), whole or not
    /// at all, and audits it.
    private func export(_ app: App) {
        guard let s = stats else { return }
        let folder = app.store.filesFolder("exports")
        let path = folder + "/kinga-statistics-\(s.from)-to-\(s.to).csv"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try StatisticsExport.writeWhole(Data(try StatisticsExport.csv(s).utf8), to: path)
            try app.store.recordAudit(action: "export.stats", detail: "\(s.from)..\(s.to) csv")
            app.flash = (S.statsExported(path), .success)
        } catch {
            app.flash = (S.cycleError(error), .danger)
        }
    }

    // MARK: drawing

    /// One line of the page: text runs with styles.
    private typealias Line = [(String, Style)]

    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2
        let w = area.width - 4
        var lines: [Line] = []
        let lang = app.language
        let (from, to) = Self.range(period, today: app.clock.today)
        lines.append([(period == .everything ? S.statsPeriodAll(to: S.day(to)) : S.statsPeriod(from: S.day(from), to: S.day(to)), .title)])
        lines.append([(S.statsPeriods, .muted)])
        lines.append([])
        if let e = error {
            lines.append([(e, .danger)])
        } else if let s = stats {
            lines.append([(S.statsTotals(new: cell(s.newCases, lang), closed: cell(s.closedCases, lang), overdue: cell(s.overdueFollowUps, lang)), .normal)])
            for l in DisplayWidth.wrap(S.statsHidden(s.threshold), width: w) { lines.append([(l, .muted)]) }
            if s.newCases == .count(0) {
                lines.append([])
                lines.append([(S.statsNothing, .muted)])
            } else {
                if s.newCases.published == nil {
                    // The total is hidden, so are its breakdowns (`DisclosureControl`, rule 3).
                    lines.append([])
                    for l in DisplayWidth.wrap(S.statsLeftOut, width: w) { lines.append([(l, .muted)]) }
                } else {
                    section(&lines, S.statsByConcern, s.byConcern, width: w, lang)
                    section(&lines, S.statsByAge, s.byAgeGroup, width: w, lang)
                    section(&lines, S.statsBySex, s.bySex, width: w, lang)
                    section(&lines, S.statsByVillage, s.byVillage, width: w, lang)
                }
                lines.append([])
                lines.append([(S.statsPerMonth, .title)])
                lines.append(spark(s.byMonth.map(\.new), months: s.byMonth.map(\.month), width: w, lang))
                lines.append([(S.statsClosedPerMonth, .title)])
                lines.append(spark(s.byMonth.map(\.closed), months: s.byMonth.map(\.month), width: w, lang))
            }
            if !s.referrals.isEmpty {
                lines.append([])
                lines.append([(S.statsReferrals, .title)])
                lines += referralTable(s.referrals, width: w, lang)
            }
        }
        lastLines = lines.count
        pageHeight = max(1, area.height - 1)
        scroll = min(scroll, max(0, lines.count - pageHeight))
        var y = area.y
        for line in lines.dropFirst(scroll).prefix(pageHeight) {
            var xx = x
            let clip = Rect(x: x, y: y, width: w, height: 1)
            for (text, style) in line { xx = g.put(DisplayWidth.truncate(text, to: max(0, x + w - xx)), x: xx, y: y, style: style, clip: clip) }
            y += 1
        }
        if scroll + pageHeight < lines.count { g.put("↓", x: area.maxX - 2, y: area.maxY - 1, style: .muted) }
        if scroll > 0 { g.put("↑", x: area.maxX - 2, y: area.y, style: .muted) }
    }

    private func cell(_ c: StatCell, _ lang: Language) -> String {
        if case .count(let n) = c { return lang.number(n) }
        return c.description
    }

    /// A heading and one bar per row: label, bar (█, scaled to the largest published count), number. A
    /// hidden count ("<5" or "x") gets a one-cell light bar (░), whatever its size. A breakdown left out
    /// whole (no rows, or every row "x") says so instead.
    private func section(_ lines: inout [Line], _ heading: String, _ rows: [StatRow], width: Int, _ lang: Language) {
        lines.append([])
        lines.append([(heading, .title)])
        guard !rows.isEmpty, rows.contains(where: { $0.value != .withheld }) else {
            for l in DisplayWidth.wrap(S.statsLeftOut, width: width - 2) { lines.append([("  " + l, .muted)]) }
            return
        }
        let labelW = min(24, max(8, rows.map { DisplayWidth.of($0.label) }.max() ?? 8))
        let numberW = 7
        let barRoom = max(4, width - labelW - numberW - 4)
        let largest = rows.compactMap(\.value.published).max() ?? 1
        for r in rows {
            let label = DisplayWidth.truncate(r.label, to: labelW)
            let pad = String(repeating: " ", count: max(0, labelW - DisplayWidth.of(label)))
            let bar: String
            switch r.value {
            case .count(let n): bar = String(repeating: "█", count: largest > 0 ? Int((Double(n) / Double(largest) * Double(barRoom)).rounded(.up)) : 0)
            case .suppressed, .withheld: bar = "░"
            }
            lines.append([("  " + label + pad + " ", .normal), (bar, .title), (" " + cell(r.value, lang), .normal)])
        }
    }

    /// A month-by-month sparkline (▁ to █, scaled to the largest published month; ░ for a hidden month),
    /// the first and last month shown, and the largest month as `DisclosureControl.largest` allows. When the
    /// months do not all fit in `width`, the latest ones are shown.
    private func spark(_ cells: [StatCell], months: [String], width: Int, _ lang: Language) -> Line {
        let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let label = DisclosureControl.largest(cells).map { "  " + S.statsLargest(cell($0, lang)) } ?? ""
        let spanWidth = 2 + 7 + 3 + 7
        let room = max(1, width - 2 - spanWidth - DisplayWidth.of(label) - 2)
        let shown = Array(cells.suffix(room)), shownMonths = Array(months.suffix(room))
        let top = shown.compactMap(\.published).max() ?? 0
        let line = String(shown.map { c -> Character in
            guard let v = c.published else { return "░" }
            if v == 0 || top == 0 { return " " }
            return blocks[min(7, max(0, Int((Double(v) / Double(top) * 7).rounded())))]
        })
        let span = shownMonths.first.map { f in shownMonths.last.map { "\(f) … \($0)" } ?? f } ?? ""
        let shownLargest = DisclosureControl.largest(shown).map { "  " + S.statsLargest(cell($0, lang)) } ?? ""
        return [("  " + line + "  ", .title), (span + shownLargest, .muted)]
    }

    /// The referrals as a table when it fits in `width` (service, sent, answered, accepted with its rate,
    /// completed with its rate, median days to the answer), a service name too long for its column on a line
    /// of its own; otherwise two or more lines per service. A rate or median left out shows "—"; a note
    /// under the table says what the columns mean.
    private func referralTable(_ rows: [ReferralRow], width: Int, _ lang: Language) -> [Line] {
        func percent(_ p: Int?) -> String { p.map { "\(lang.number($0)) %" } ?? "—" }
        func days(_ d: Double?) -> String { d.map { lang.number(Int($0.rounded())) } ?? "—" }
        let headers = [S.statsColSent, S.statsColAnswered, S.statsColAccepted, S.statsColCompleted, S.statsColDays]
        let figures = rows.map { r in
            [cell(r.sent, lang), cell(r.answered, lang), cell(r.accepted, lang) + " (" + percent(r.acceptancePercent) + ")",
             cell(r.completed, lang) + " (" + percent(r.completionPercent) + ")", days(r.medianDaysToReply)]
        }
        let widths = headers.indices.map { i in ([headers[i]] + figures.map { $0[i] }).map(DisplayWidth.of).max() ?? 0 }
        let numbersWidth = widths.reduce(0) { $0 + $1 + 2 }
        let serviceWidth = width - 2 - numbersWidth
        var out: [Line] = []
        if serviceWidth >= 12 {
            func row(_ name: String, _ cells: [String], _ style: Style) -> Line {
                let figures = zip(cells, widths).map { String(repeating: " ", count: 2 + $0.1 - DisplayWidth.of($0.0)) + $0.0 }.joined()
                return [("  " + DisplayWidth.pad(name, to: serviceWidth), .normal), (figures, style)]
            }
            out.append(row("", headers, .muted))
            for (r, f) in zip(rows, figures) {
                if DisplayWidth.of(r.service) > serviceWidth {
                    out.append([("  " + r.service, .normal)])
                    out.append(row("", f, .normal))
                } else {
                    out.append(row(r.service, f, .normal))
                }
            }
        } else {
            for (r, f) in zip(rows, figures) {
                out.append([("  " + r.service, .normal)])
                let parts = zip(headers, f).map { "\($0.0) \($0.1)" }
                var line = ""
                for p in parts {
                    if !line.isEmpty && DisplayWidth.of(line + " · " + p) > width - 4 { out.append([("    " + line, .muted)]); line = "" }
                    line = line.isEmpty ? p : line + " · " + p
                }
                if !line.isEmpty { out.append([("    " + line, .muted)]) }
            }
        }
        for l in DisplayWidth.wrap(S.statsReferralNote, width: width - 2) { out.append([("  " + l, .muted)]) }
        return out
    }
}
