import Foundation
import I18n
import Model
import Storage

/// The home screen: what you can do (with its key) and a short summary of today.
final class HomeScreen: Screen {
    var title: String { S.homeTitle }
    var helpKey: String { "help.home" }
    private var summary = TodaySummary(openCases: 0, urgentOpenCases: 0, drafts: 0, allCases: 0)
    private var drafts: [Draft] = []
    private var selected = 0
    private var loadError: String?

    private var due = 0
    private enum Item { case new, cases, due, referrals, directory, statistics, practice, review, users, audit, sync, pin, language, theme, resume, lock, help, quit }
    private var canAudit = false
    private var canManageUsers = false
    private var canReview = false
    private var isDemo = false
    /// The kiosk joined a district: Home offers sending its changes (`y`).
    private var linked = false

    private var items: [(Item, String, String)] {
        var out: [(Item, String, String)] = [(.new, "n", S.menuNew), (.cases, "c", S.menuCases), (.due, "d", S.menuDue),
                                             (.referrals, "r", S.menuReferrals), (.directory, "s", S.menuDirectory),
                                             (.statistics, "t", S.menuStatistics)]
        if isDemo { out.append((.practice, "p", S.menuPractice)) }
        if canReview { out.append((.review, "v", S.menuReview)) }
        if canManageUsers { out.append((.users, "m", S.menuUsers)) }
        if canAudit { out.append((.audit, "a", S.menuAudit)) }
        if linked { out.append((.sync, "y", tr("sync.menu"))) }
        out.append((.pin, "k", S.menuPIN))
        // Colours (o) are reached from the language screen too, so the menu fits 24 rows.
        out.append((.language, "g", tr("menuLanguage")))
        if !drafts.isEmpty { out.append((.resume, "u", S.menuResume)) }
        out.append((.lock, "l", S.menuLock))
        // Help (?) is on the footer of every screen; leaving it out of the menu keeps "At a glance" on 24 rows.
        out.append((.quit, "q", S.menuQuit))
        return out
    }

    /// Where the district link stands (nil: the kiosk stands alone): when it last synced, what waits.
    private var standing: SyncStanding?

    /// How many times today's counts were read (tests check that an idle kiosk reads nothing).
    private(set) var loads = 0

    func appear(_ app: App) {
        loads += 1
        do {
            canManageUsers = app.session?.can(.manageUsers, demo: app.store.isDemo) ?? false
            canReview = app.session?.can(.reviewQueue, demo: app.store.isDemo) ?? false
            isDemo = app.demo
            canAudit = app.session?.can(.viewAudit, demo: app.store.isDemo) ?? false
            linked = app.demo ? false : try app.store.districtLink() != nil
            standing = linked ? try app.store.syncStanding() : nil
            summary = try app.store.todaySummary(viewer: app.viewer)
            drafts = try app.store.drafts()
            due = try app.store.dueCount(deadlines: app.profile.deadlines, viewer: app.viewer)
            loadError = nil
        } catch {
            loadError = "\(error)"
        }
        selected = min(selected, items.count - 1)
    }

    /// Cases changed elsewhere: today's counts are read again (three counting queries, only when a case changed).
    func dataChanged(_ cases: Set<UUID>, _ app: App) { appear(app) }

    func hints(_ app: App) -> [(String, String)] {
        // The menu above already shows every letter; the footer keeps what must never be cut (help, quit) in
        // every language at 80 columns.
        [("↑↓", S.kMove), ("Enter", S.kOpen), ("n", S.kNew), ("l", S.kLock), ("?", S.kHelp), ("q", S.kQuit)]
    }

    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        var x = area.x + 2
        var w = area.width - 4
        // From 76 columns "At a glance" stands beside the menu, so the menu keeps every row.
        let twoColumns = area.width >= 76
        let menuWidth = twoColumns ? 40 : w
        let roomy = area.height >= items.count + 4
        var y = area.y + (roomy ? 1 : 0)
        if roomy {
            g.put(S.homeWelcome, x: x, y: y, style: .title, clip: area)
            y += 2
        }
        // In a small window the menu scrolls so the selected item is always visible.
        let menuRows = min(items.count, area.maxY - y)
        let first = max(0, min(selected - menuRows + 1, items.count - menuRows))
        let menuTop = y
        for (i, item) in items.enumerated().dropFirst(first).prefix(menuRows) {
            Draw.menuItem(&g, key: item.1, label: item.2, x: x, y: y, width: menuWidth, selected: i == selected)
            y += 1
        }
        if first + menuRows < items.count { g.put("↓", x: x + menuWidth, y: y - 1, style: .muted) }
        if first > 0 { g.put("↑", x: x + menuWidth, y: menuTop, style: .muted) }
        if twoColumns {
            x += menuWidth + 2
            w -= menuWidth + 2
            y = menuTop
        } else {
            y += 1
        }
        guard y < area.maxY else { return }
        g.put(S.today, x: x, y: y, style: .title, clip: area)
        y += 1
        if let e = loadError {
            Draw.paragraph(&g, e, x: x, y: y, width: w, maxY: area.maxY, style: .danger)
            return
        }
        let lines: [(String, Style)] = [
            ("• " + S.dueCount(due), due > 0 ? .warning : .normal),
            ("• " + S.openCases(summary.openCases), .normal),
            ("• " + S.urgentCases(summary.urgentOpenCases), summary.urgentOpenCases > 0 ? .danger : .normal),
            ("• " + S.drafts(summary.drafts), summary.drafts > 0 ? .warning : .normal),
            ("• " + S.allCases(summary.allCases), .muted),
        ]
        var all = lines
        if let st = standing {
            all.append(("• " + (st.lastPullAt.map { tr("home.synced", ["when": S.dateTime($0, app.clock.timeZone)]) } ?? tr("home.neverSynced")), .muted))
            if st.waiting > 0 { all.append(("• " + tr("home.syncWaiting", ["count": String(st.waiting)]), .warning)) }
            if st.conflicts > 0 { all.append(("• " + tr("home.syncConflicts", ["count": String(st.conflicts)]), .warning)) }
            if st.duplicates > 0 { all.append(("• " + tr("home.districtDuplicates", ["count": String(st.duplicates)]), .warning)) }
        }
        for (text, style) in all where y < area.maxY {
            y = Draw.paragraph(&g, text, x: x, y: y, width: w, maxY: area.maxY, style: style)
        }
    }

    func handle(_ key: Key, _ app: App) -> Action {
        switch key {
        case .up: selected = (selected + items.count - 1) % items.count
        case .down, .tab: selected = (selected + 1) % items.count
        case .enter: return activate(items[selected].0, app)
        case .char("n"), .char("N"): return activate(.new, app)
        case .char("c"), .char("C"): return activate(.cases, app)
        case .char("d"), .char("D"): return activate(.due, app)
        case .char("t"), .char("T"): return activate(.statistics, app)
        case .char("p"), .char("P"): if isDemo { return activate(.practice, app) }
        case .char("r"), .char("R"): return activate(.referrals, app)
        case .char("s"), .char("S"): return activate(.directory, app)
        case .char("m"), .char("M"): if canManageUsers { return activate(.users, app) }
        case .char("v"), .char("V"): if canReview { return activate(.review, app) }
        case .char("a"), .char("A"): if canAudit { return activate(.audit, app) }
        case .char("y"), .char("Y"): if linked { return activate(.sync, app) }
        case .char("k"), .char("K"): return activate(.pin, app)
        case .char("g"), .char("G"): return activate(.language, app)
        case .char("o"), .char("O"): return activate(.theme, app)
        case .char("u"), .char("U"):
            if !drafts.isEmpty { return activate(.resume, app) }
            app.flash = (S.noDrafts, .muted)
        case .char("q"), .char("Q"): return activate(.quit, app)
        default: break
        }
        return .none
    }

    private func activate(_ item: Item, _ app: App) -> Action {
        switch item {
        case .new: return .push(ReportWizardScreen(draft: nil))
        case .cases: return .push(CaseListScreen())
        case .due: return .push(DueTodayScreen())
        case .statistics: return .push(StatisticsScreen())
        case .practice:
            // The list, and on it the scenario being practised (Esc leads back to the list with R and the others).
            guard let p = app.practiceStatus() else { return .push(PracticeListScreen()) }
            app.apply(.push(PracticeListScreen()))
            return .push(ScenarioScreen(p.scenario))
        case .referrals: return .push(ReferralsScreen())
        case .directory: return .push(DirectoryScreen())
        case .users: return .push(UsersScreen())
        case .review: return .push(ReviewQueueScreen())
        case .audit: return .push(AuditScreen())
        case .sync: return .push(SyncScreen())
        case .pin: return .push(SessionScreens.changePIN())
        case .resume:
            if drafts.count == 1 { return .push(ReportWizardScreen(draft: drafts[0])) }
            return .push(DraftListScreen())
        case .lock:
            app.lock()
            return .none
        case .language: return .push(LanguageScreen(purpose: .user))
        case .theme: return .push(ThemeScreen())
        case .help: return .push(HelpScreen(page: "help.home"))
        case .quit: return .quit
        }
    }
}

/// Help for the current screen, in the user's language (F1, or ? when no text field has focus): what the step
/// is for, what to ask, what happens next and when to refer. The numbers to call in an emergency come first.
/// Keys 1-5 open the chapters of the short guide for focal points, 0 the keys that work everywhere.
final class HelpScreen: Screen {
    /// The page shown (a key of locales/templates/help.pot).
    private(set) var page: String
    private var scroll = 0
    static let guide = ["help.guide.principles", "help.guide.identify", "help.guide.mediation", "help.guide.refer", "help.guide.participation"]

    init(page: String = "help.keys") { self.page = page }

    var title: String { S.helpTitle }
    func hints(_ app: App) -> [(String, String)] { [("Esc", S.kBack), ("↑↓", S.kMove), ("1-5", tr("help.kGuide"))] }
    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        // The numbers to call come first: they must be on screen even in a small window.
        var page = PageWriter(width: max(1, area.width - 4))
        page.line(S.helpDanger, style: .danger)
        for n in app.profile.emergencyNumbers + app.profile.helplines { page.paragraph("\(n.number)  \(S.words(n.label))", style: .warning, hanging: 2) }
        page.gap()
        if Languages.shared.english.has(self.page) {
            page.paragraph(tr(self.page + ".title"), style: .title)
            page.gap()
            // Paragraphs are separated by a blank line; a single line break keeps a heading or a list item
            // on its own line.
            for paragraph in tr(self.page).components(separatedBy: "\n\n") {
                for line in paragraph.components(separatedBy: "\n") where !line.isEmpty {
                    page.paragraph(line, style: line.hasSuffix(":") && DisplayWidth.of(line) < 48 ? .title : .normal)
                }
                page.gap()
            }
        } else {
            page.paragraph(tr("help.notWritten"))
            page.gap()
        }
        page.paragraph(tr("help.guideLine"), style: .muted)
        let visible = page.lines.count > area.height ? area.height - 1 : area.height
        scroll = max(0, min(scroll, max(0, page.lines.count - visible)))
        page.draw(into: &g, x: area.x + 2, y: area.y, height: visible, scroll: scroll)
        if page.lines.count - scroll > visible {
            let more = " " + S.moreBelow + " (↓) "
            g.put(more, x: max(area.x, area.maxX - DisplayWidth.of(more)), y: area.maxY - 1, style: .warning)
        }
    }
    func handle(_ key: Key, _ app: App) -> Action {
        switch key {
        case .escape, .enter, .char("q"), .function(1), .char("?"): return .pop
        case .char(let c) where ("0"..."5").contains(c):
            page = c == "0" ? "help.keys" : Self.guide[Int(String(c))! - 1]
            scroll = 0
        case .down: scroll += 1
        case .up: scroll = max(0, scroll - 1)
        case .pageDown: scroll += 10
        case .pageUp: scroll = max(0, scroll - 10)
        case .home: scroll = 0
        case .end: scroll = Int.max / 2
        default: break
        }
        return .none
    }
}

/// Choose a language: at first run (for the kiosk), or on the home screen (for the person logged in).
/// Each language is written in itself, so anyone can find theirs.
final class LanguageScreen: Screen {
    enum Purpose { case firstRun, user }
    let purpose: Purpose
    private let languages = Languages.shared.all
    private var selected = 0
    /// First run: what to build once the language is chosen (the set-up form, in that language).
    var then: (() -> Screen)?

    init(purpose: Purpose, then: (() -> Screen)? = nil) {
        self.purpose = purpose
        self.then = then
    }
    var title: String { tr("lang.title") }
    var helpKey: String { "help.language" }
    func appear(_ app: App) { selected = languages.firstIndex(of: app.language) ?? 0 }
    func hints(_ app: App) -> [(String, String)] {
        purpose == .firstRun ? [("↑↓", S.kMove), ("Enter", S.kChoose), ("Ctrl-Q", S.kQuit)]
            : [("↑↓", S.kMove), ("Enter", S.kChoose), ("o", tr("menuTheme")), ("Esc", S.kBack)]
    }
    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2, w = area.width - 4
        var y = Draw.paragraph(&g, purpose == .firstRun ? tr("setup.languageFirst") : tr("lang.intro"), x: x, y: area.y + 1, width: w, maxY: area.maxY, style: .title) + 1
        for (i, l) in languages.enumerated() where y < area.maxY {
            let label = l.name + (l.reviewed ? "" : "  " + l.text("lang.notReviewed"))
            Draw.menuItem(&g, key: "\(i + 1)", label: label, x: x, y: y, width: w, selected: i == selected)
            y += 1
        }
    }
    func handle(_ key: Key, _ app: App) -> Action {
        switch key {
        case .up: selected = max(0, selected - 1)
        case .down: selected = min(languages.count - 1, selected + 1)
        case .enter: return choose(selected, app)
        case .char("o") where purpose == .user: return .replace(ThemeScreen())
        case .char(let c):
            if let n = Int(String(c)), n >= 1, n <= languages.count { return choose(n - 1, app) }
        case .escape: if purpose == .user { return .pop }
        case .ctrl("q"): if purpose == .firstRun { return .quit }
        default: break
        }
        return .none
    }
    private func choose(_ i: Int, _ app: App) -> Action {
        let l = languages[i]
        app.setLanguage(l)
        switch purpose {
        case .firstRun:
            return L10n.$current.withValue(l) { then.map { .replace($0()) } ?? .pop }
        case .user:
            app.flash = (l.text("lang.saved", ["language": l.name]), .success)
            return .pop
        }
    }
}

/// Colours and contrast for this kiosk: normal, high contrast, or no colour.
final class ThemeScreen: Screen {
    private var selected = 0
    private let kinds = Theme.Kind.allCases
    var title: String { tr("theme.title") }
    func appear(_ app: App) { selected = kinds.firstIndex(of: app.theme) ?? 0 }
    func hints(_ app: App) -> [(String, String)] { [("↑↓", S.kMove), ("Enter", S.kChoose), ("Esc", S.kBack)] }
    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2, w = area.width - 4
        var y = Draw.paragraph(&g, tr("theme.intro"), x: x, y: area.y + 1, width: w, maxY: area.maxY, style: .title) + 1
        if app.colourForbidden { y = Draw.paragraph(&g, tr("theme.noColorSet"), x: x, y: y, width: w, maxY: area.maxY, style: .warning) + 1 }
        for (i, k) in kinds.enumerated() where y < area.maxY {
            Draw.menuItem(&g, key: "\(i + 1)", label: tr("theme.\(k.rawValue)") + (app.theme == k ? "  ✓" : ""), x: x, y: y, width: w, selected: i == selected)
            y += 1
        }
    }
    func handle(_ key: Key, _ app: App) -> Action {
        switch key {
        case .up: selected = max(0, selected - 1)
        case .down: selected = min(kinds.count - 1, selected + 1)
        case .enter:
            app.setTheme(kinds[selected])
            app.flash = (tr("theme.saved"), .success)
            return .pop
        case .char(let c):
            if let n = Int(String(c)), n >= 1, n <= kinds.count { selected = n - 1; app.setTheme(kinds[n - 1]); app.flash = (tr("theme.saved"), .success); return .pop }
        case .escape: return .pop
        default: break
        }
        return .none
    }
}
