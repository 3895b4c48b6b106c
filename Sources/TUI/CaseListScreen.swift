import Foundation
import I18n
import Model
import Storage

/// The case list: newest activity first, with search-as-you-type (`/`), filters (`f`) and sorting (`s`).
///
/// One screenful per query (keyset pagination), so it stays instant however many cases there are; a window
/// of at most `maxWindow` rows is kept around the selection. Typing only marks the results stale: the query
/// runs once before the next frame, after every key already waiting has been read, so fast typing is
/// never held up by searches for letters already replaced.
final class CaseListScreen: Screen {
    var helpKey: String { "help.caseList" }
    var title: String { S.casesTitle }
    /// What the list shows (search words, filters, sort).
    private(set) var query = CaseQuery()
    /// The search box (one line).
    private(set) var search = TextField("", multiline: false, limit: 80)
    /// True while the search box has the keyboard.
    private(set) var searching = false
    private(set) var rows: [CaseListRow] = []
    /// Absolute position of `rows[0]` in the whole list.
    private(set) var start = 0
    /// Absolute position of the selected case.
    private(set) var selected = 0
    /// How many cases match (capped).
    private(set) var count = CaseMatchCount(count: 0, capped: false)
    /// The list's length when known: the exact count, or found by reaching the end.
    private var known: Int?
    /// True when a column was chosen while searching but too many cases match to sort them: best
    /// matches are shown instead, and the screen says so.
    private(set) var sortDropped = false
    private var top = 0
    private var pageSize = 20
    private var loadError: String?
    /// The results no longer match `query`: reload before the next frame or key that needs them.
    private var stale = true
    /// The case to keep selected across a reload (coming back from a case).
    private var keepID: UUID?
    static let maxWindow = 400

    var editingText: Bool { searching }

    /// The query actually run (without a sort that was dropped).
    private var effective: CaseQuery {
        var q = query
        if sortDropped { q.sort = nil }
        return q
    }

    /// True once the remembered search, filters and order were taken over (the first time the list shows).
    private var restored = false

    func appear(_ app: App) {
        if !restored {
            restored = true
            if let q = app.rememberedCaseQuery {
                query = q
                search.set(q.text)
            }
        }
        keepID = rows.indices.contains(selected - start) ? rows[selected - start].summary.id : nil
        stale = true
    }

    /// Cases changed elsewhere (another session, the district link): the page is read again before the next
    /// frame, the selected case kept selected, the search and its box untouched.
    func dataChanged(_ cases: Set<UUID>, _ app: App) {
        if rows.indices.contains(selected - start) { keepID = rows[selected - start].summary.id }
        stale = true
    }

    func hints(_ app: App) -> [(String, String)] {
        if searching {
            return [("Enter", S.kOpen), ("↑↓", S.kMove), ("Esc", S.kClear), ("Tab", S.kBack), ("F1", S.kHelp)]
        }
        var h: [(String, String)] = [("Enter", S.kOpen), ("/", S.kSearch), ("f", S.kFilter), ("s", S.kSort)]
        if query.isSearch || !query.filter.isEmpty || query.sort != nil { h.append(("x", S.kClear)) }
        h += [("Esc", S.kBack), ("?", S.kHelp), ("↑↓", S.kMove), ("PgUp/PgDn", S.kPage)]
        return h
    }

    // MARK: changing the query

    /// Replaces the filters (from the filter form) and reloads from the top.
    func setFilter(_ f: CaseFilter) {
        query.filter = f
        restart()
    }

    /// Orders by `sort` (nil: best matches first while searching); choosing the current column again
    /// reverses it.
    func setSort(_ sort: CaseSort?) {
        if sort == query.sort && sort != nil { query.reversed.toggle() } else { query.sort = sort; query.reversed = false }
        restart()
    }

    func reverseSort() {
        if query.sort == nil && !query.isSearch { query.sort = .lastActivity }
        query.reversed.toggle()
        restart()
    }

    private func restart() {
        stale = true
        keepID = nil
        selected = 0
        top = 0
    }

    private func searchChanged() {
        guard query.text != search.text else { return }
        query.text = search.text
        restart()
    }

    // MARK: loading

    /// Runs the query when the results are stale: the count, then the first pages.
    private func refresh(_ app: App) {
        guard stale else { return }
        stale = false
        app.rememberedCaseQuery = query
        do {
            let limit = max(pageSize * 2, 40)
            let first = try app.store.caseListStart(query, limit: limit, viewer: app.viewer, today: app.clock.today, deadlines: app.profile.deadlines)
            count = first.count
            sortDropped = query.isSearch && query.sort != nil && count.capped
            known = count.capped ? nil : count.count
            rows = first.rows
            start = 0
            if rows.count < limit { known = rows.count }
            if let id = keepID, let i = rows.firstIndex(where: { $0.summary.id == id }) { selected = i } else if keepID != nil { selected = 0 }
            keepID = nil
            selected = max(0, min(selected, rows.count - 1))
            top = min(top, selected)
            loadError = nil
        } catch {
            loadError = S.cycleError(error)
        }
    }

    private func page(after c: CaseListCursor?, limit: Int, _ app: App) throws -> [CaseListRow] {
        try app.store.caseList(effective, after: c, limit: limit, viewer: app.viewer, today: app.clock.today, deadlines: app.profile.deadlines)
    }

    private func page(before c: CaseListCursor?, limit: Int, _ app: App) throws -> [CaseListRow] {
        try app.store.caseList(effective, before: c, limit: limit, viewer: app.viewer, today: app.clock.today, deadlines: app.profile.deadlines)
    }

    /// Makes sure the absolute index `i` is loaded, fetching pages forward or backward by keyset.
    private func ensureLoaded(_ i: Int, _ app: App) {
        do {
            let step = max(pageSize, 20)
            while i >= start + rows.count, let last = rows.last {
                let more = try page(after: last.cursor, limit: step, app)
                rows += more
                if more.count < step { known = start + rows.count }
                if rows.count > Self.maxWindow {
                    let drop = rows.count - Self.maxWindow
                    rows.removeFirst(drop)
                    start += drop
                }
                if more.isEmpty { break }
            }
            while i < start, let first = rows.first {
                let more = try page(before: first.cursor, limit: step, app)
                if more.isEmpty { start = 0; break }
                rows.insert(contentsOf: more, at: 0)
                start -= more.count
                if rows.count > Self.maxWindow { rows.removeLast(rows.count - Self.maxWindow) }
            }
        } catch {
            loadError = S.cycleError(error)
        }
    }

    private func jumpToEnd(_ app: App) {
        do {
            if known == nil {
                known = try app.store.caseMatchCount(effective, cap: nil, viewer: app.viewer, today: app.clock.today, deadlines: app.profile.deadlines).count
            }
            rows = try page(before: nil, limit: max(pageSize * 2, 40), app)
            start = max(0, (known ?? rows.count) - rows.count)
            selected = max(0, start + rows.count - 1)
        } catch { loadError = S.cycleError(error) }
    }

    private func jumpToStart(_ app: App) {
        do {
            rows = try page(after: nil, limit: max(pageSize * 2, 40), app)
            start = 0
            selected = 0
            top = 0
        } catch { loadError = S.cycleError(error) }
    }

    private var current: CaseListRow? {
        rows.indices.contains(selected - start) ? rows[selected - start] : nil
    }

    // MARK: keys

    func handlePaste(_ text: String, _ app: App) -> Action {
        searching = true
        search.insert(text)
        searchChanged()
        return .none
    }

    func handle(_ key: Key, _ app: App) -> Action {
        if searching {
            switch key {
            case .escape:
                search.set("")
                searching = false
                searchChanged()
                return .none
            case .tab, .backTab:
                searching = false
                return .none
            case .enter, .up, .down, .pageUp, .pageDown:
                break
            default:
                if search.handle(key) { searchChanged() }
                return .none
            }
        } else {
            switch key {
            case .char("/"):
                searching = true
                return .none
            case .char("f"), .char("F"):
                return .push(filterForm(app))
            case .char("s"), .char("S"):
                return .push(sortDialog())
            case .char("x"), .char("X"):
                search.set("")
                query = CaseQuery()
                restart()
                return .none
            case .escape:
                if query.isSearch { search.set(""); searchChanged(); return .none }
                return .pop
            case .char("q"):
                return .pop
            default: break
            }
        }
        refresh(app)
        var target = selected
        switch key {
        case .up: target -= 1
        case .down: target += 1
        case .pageUp: target -= pageSize
        case .pageDown: target += pageSize
        case .home: jumpToStart(app); return .none
        case .end: jumpToEnd(app); return .none
        case .enter:
            if let r = current { return .push(CaseDetailScreen(caseID: r.summary.id)) }
            return .none
        default: return .none
        }
        if let n = known { target = min(n - 1, target) }
        target = max(0, target)
        ensureLoaded(target, app)
        selected = max(start, min(target, start + rows.count - 1))
        return .none
    }

    // MARK: drawing

    /// Column widths for a content width: (case, child, age, village, concern, risk, status, last).
    /// At 80 columns the status column uses short words; from 100 columns the full ones.
    static func columns(_ width: Int) -> [Int] {
        if width >= 96 {
            let fixed = 12 + 3 + 6 + 11 + 7
            let flex = width - fixed - 7
            let child = flex * 40 / 100, village = flex * 30 / 100
            return [12, child, 3, village, flex - child - village, 6, 11, 7]
        }
        if width >= 70 {
            let fixed = 12 + 3 + 6 + 7 + 7
            let flex = width - fixed - 7
            let child = flex * 40 / 100, village = flex * 30 / 100
            return [12, child, 3, village, flex - child - village, 6, 7, 7]
        }
        let child = max(4, width - 12 - 3 - 6 - 3)
        return [12, child, 3, 0, 0, 6, 0, 0]
    }

    /// The sort each column stands for (nil: not sortable).
    static let columnSorts: [CaseSort?] = [.caseNumber, .childName, nil, .village, nil, .risk, .status, .lastActivity]

    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2
        let w = area.width - 3
        let filters = filterWords(app)
        let headerRows = 2 + (filters.isEmpty ? 0 : 1)
        pageSize = max(1, area.height - headerRows - 1)
        refresh(app)
        var y = area.y
        // Line 1: how many cases (match), and where the selection is.
        let total = known ?? count.count
        let countText: String
        if !query.isSearch && query.filter.isEmpty { countText = S.casesCount(total) }
        else if count.capped && known == nil { countText = S.casesMatchMore(count.count) }
        else { countText = S.casesMatch(total) }
        g.put(countText, x: x, y: y, style: .title, clip: area)
        if total > 0 {
            let pos = "\(app.language.number(selected + 1))/\(app.language.number(total))\(known == nil ? "+" : "")"
            g.put(pos, x: area.maxX - DisplayWidth.of(pos) - 1, y: y, style: .muted, clip: area)
        }
        y += 1
        // Line 2: the search box, or how to search, filter and sort.
        let line = Rect(x: x, y: y, width: w, height: 1)
        if searching || query.isSearch || !search.text.isEmpty {
            var xx = g.put(S.searchLabel + " ", x: x, y: y, style: .title, clip: line)
            let boxWidth = max(10, min(28, line.maxX - xx - 1))
            if let c = search.render(into: &g, Rect(x: xx, y: y, width: boxWidth, height: 1), focused: searching) { g.cursor = c }
            xx += boxWidth + 2
            let note = sortDropped ? S.tooManyToSort : (query.sort == nil && query.isSearch ? S.bestFirst : (searching && search.text.isEmpty ? S.searchHint : ""))
            if xx < line.maxX { g.put(DisplayWidth.truncate(note, to: line.maxX - xx), x: xx, y: y, style: sortDropped ? .warning : .muted, clip: line) }
        } else {
            let keys: [(String, String)] = [("/", S.kSearch), ("f", S.kFilter), ("s", S.kSort)]
            let help = keys.map { k, what in "\(k) \(what)" }.joined(separator: "   ")
            g.put(help, x: x, y: y, style: .muted, clip: line)
        }
        y += 1
        // Line 3 (when set): the filters in words.
        if !filters.isEmpty {
            let fl = Rect(x: x, y: y, width: w, height: 1)
            let xx = g.put(S.filtersLabel + " ", x: x, y: y, style: .title, clip: fl)
            g.put(DisplayWidth.truncate(filters.joined(separator: " · "), to: max(0, fl.maxX - xx)), x: xx, y: y, style: .warning, clip: fl)
            y += 1
        }
        if let e = loadError {
            Draw.paragraph(&g, e, x: x, y: y + 1, width: w, maxY: area.maxY, style: .danger)
            return
        }
        if rows.isEmpty {
            let empty = query.isSearch || !query.filter.isEmpty ? S.noMatches : S.noCases
            Draw.paragraph(&g, empty, x: x, y: y + 1, width: w, maxY: area.maxY, style: .muted)
            return
        }
        let cols = Self.columns(w)
        var heads = [S.colCase, S.colChild, S.colAge, S.colVillage, S.colConcern, S.colRisk, S.colStatus, S.colLast]
        if let sort = effective.effectiveSort, let i = Self.columnSorts.firstIndex(of: sort), cols[i] > 1 {
            var descending = !sort.naturalOrderIsAscending
            if query.reversed { descending.toggle() }
            heads[i] = DisplayWidth.truncate(heads[i], to: cols[i] - 1, ellipsis: false) + (descending ? "▼" : "▲")
        }
        drawRow(&g, heads, cols, x: x, y: y, style: .title)
        y += 1
        let visible = area.maxY - y
        if selected < top { top = selected }
        if selected >= top + visible { top = selected - visible + 1 }
        ensureLoaded(top, app)
        ensureLoaded(top + visible - 1, app)
        let today = app.clock.today
        for i in top..<(top + visible) {
            let ri = i - start
            guard rows.indices.contains(ri) else { break }
            let r = rows[ri].summary
            let age = r.age.map { String($0.years(on: today)) } ?? "?"
            let name = r.childName.isEmpty ? S.unnamed : r.childName
            var concern = r.firstConcern.map { S.concern($0, app.profile) } ?? ""
            if r.concernCount > 1 { concern += " +\(r.concernCount - 1)" }
            let risk = r.urgent && r.status == .open ? S.urgentWord : (r.risk.map(S.risk) ?? S.notAssessed)
            let status = cols[6] >= 11 ? S.status(r.status) : S.statusShort(r.status)
            let cells = [r.number.description, name, age, r.village, concern, risk, status,
                         S.relative(r.lastActivityAt, today: today, app.clock.timeZone)]
            let rowY = y + i - top
            let isSel = i == selected
            let style: Style = isSel ? .focus : (r.urgent && r.status == .open ? .danger : .normal)
            // A selected or urgent row is one bar, gaps between the columns included.
            if style != .normal { g.fill(Rect(x: isSel ? area.x : x, y: rowY, width: area.maxX - (isSel ? area.x : x), height: 1), style: style) }
            drawRow(&g, cells, cols, x: x, y: rowY, style: style)
            if isSel { g.put("▸", x: area.x, y: rowY, style: .focus) }
        }
    }

    private func drawRow(_ g: inout Grid, _ cells: [String], _ cols: [Int], x: Int, y: Int, style: Style) {
        var xx = x
        for (text, w) in zip(cells, cols) where w > 0 {
            let clip = Rect(x: xx, y: y, width: w, height: 1)
            g.put(DisplayWidth.truncate(text, to: w), x: xx, y: y, style: style, clip: clip)
            xx += w + 1
        }
    }
}
