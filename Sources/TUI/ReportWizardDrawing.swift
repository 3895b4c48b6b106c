import Foundation
import I18n
import Model
import Storage

/// How the guided report is drawn: the step header, its fields on a scrolling page, the urgent banner and the review.
extension ReportWizardScreen {
    // MARK: drawing

    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2
        let w = max(10, min(area.width - 4, 76))
        lastAreaWidth = w
        let total = ReportStep.allCases.count
        var y = area.y
        let heading = "\(S.step(step.rawValue + 1, total)) · \(S.stepTitle(step))"
        // A progress bar of steps, when it fits beside the heading.
        let bar = (0..<total).map { $0 <= step.rawValue ? "■" : "□" }.joined(separator: " ")
        let room = area.width - 2 - DisplayWidth.of(heading) - 2
        if room >= DisplayWidth.of(bar) + 2 {
            g.put(bar, x: area.maxX - DisplayWidth.of(bar) - 2, y: y, style: .muted, clip: area)
        }
        g.put(DisplayWidth.truncate(heading, to: area.width - 2), x: x, y: y, style: .title, clip: area)
        y += 1
        if showingUrgentAdvice {
            renderUrgent(&g, Rect(x: x, y: y + 1, width: w, height: area.maxY - y - 1), app)
            return
        }
        if step == .review {
            renderReview(&g, Rect(x: x, y: y, width: w, height: area.maxY - y), app)
            return
        }
        // Lay out the step as blocks on a virtual page, then scroll so the focused block is visible.
        var page = PageWriter(width: w)
        page.paragraph(S.stepIntro(step), style: .muted)
        page.gap()
        var focusTop = 0, focusBottom = 0
        var cursor: (Int, Int)?
        for (i, f) in items.enumerated() {
            let top = page.lines.count
            let c = renderField(f, focused: i == focus, into: &page, app)
            if i == focus { focusTop = top; focusBottom = page.lines.count; cursor = c }
            page.gap()
        }
        let buttonTop = page.lines.count
        page.button(step == .review ? S.saveButton : S.continueButton, focused: focus == items.count)
        if focus == items.count { focusTop = buttonTop; focusBottom = page.lines.count }
        // When the page is taller than the screen, the last row is kept for the "more below" marker.
        let visible = page.lines.count > area.maxY - y ? area.maxY - y - 1 : area.maxY - y
        if focusBottom - scroll > visible { scroll = focusBottom - visible }
        if focusTop < scroll { scroll = focusTop }
        if focus == 0 { scroll = 0 }
        scroll = max(0, min(scroll, max(0, page.lines.count - visible)))
        page.draw(into: &g, x: x, y: y, height: visible, scroll: scroll)
        if let (cx, cy) = cursor, cy - scroll >= 0, cy - scroll < visible {
            g.cursor = (x + cx, y + cy - scroll)
        }
        if scroll > 0 { g.put("↑", x: area.maxX - 1, y: y, style: .muted) }
        if page.lines.count - scroll > visible {
            let more = " " + S.moreBelow + " "
            g.put(more, x: max(area.x, area.maxX - DisplayWidth.of(more)), y: area.maxY - 1, style: .warning)
        }
    }

    /// Draws a read-only page with ↑ ↓ scrolling, keeping the last row for the "more below" marker.
    func drawScrolling(_ page: PageWriter, into g: inout Grid, _ r: Rect) {
        let fits = page.lines.count <= r.height
        let visible = fits ? r.height : max(1, r.height - 1)
        pageScroll = max(0, min(pageScroll, max(0, page.lines.count - visible)))
        page.draw(into: &g, x: r.x, y: r.y, height: visible, scroll: pageScroll)
        if pageScroll > 0 { g.put("↑", x: r.maxX, y: r.y, style: .muted) }
        if page.lines.count - pageScroll > visible {
            let more = " " + S.moreBelow + " (↓) "
            g.put(more, x: max(r.x, r.maxX - DisplayWidth.of(more)), y: r.maxY - 1, style: .warning)
        }
    }

    /// Adds a field to the page; returns the cursor (column, page line) when it is a focused text field.
    func renderField(_ f: ReportField, focused: Bool, into page: inout PageWriter, _ app: App) -> (Int, Int)? {
        // The ▸ marker sits on the label of a focused text field, and on the highlighted answer of a choice.
        let marker = focused && texts[f] != nil ? "▸ " : "  "
        page.line(DisplayWidth.truncate(marker + S.fieldLabel(f), to: page.width), style: focused ? .title : .normal)
        if let hint = S.fieldHint(f) { page.paragraph(hint, style: .muted, indent: 2) }
        if let e = errors[f] { page.paragraph("! " + S.issue(e), style: .danger, indent: 2) }
        if f == .concerns {
            let defs = app.profile.concerns
            let cur = min(optionCursor[.concerns] ?? 0, max(0, defs.count - 1))
            let rows = min(defs.count, 8)
            var top = checklistScroll[.concerns] ?? 0
            if cur < top { top = cur }
            if cur >= top + rows { top = cur - rows + 1 }
            checklistScroll[.concerns] = top
            for (i, d) in defs.enumerated().dropFirst(top).prefix(rows) {
                let mark = report.concerns.contains(d.id) ? "[x]" : "[ ]"
                page.option("\(mark) \(S.concern(d.id, app.profile))", focused: focused && i == cur, indent: 2)
            }
            if defs.count > rows {
                page.line("    " + trn("concernsShown", report.concerns.count, ["from": top + 1, "to": top + rows, "total": defs.count]), style: .muted)
            }
            return nil
        }
        if let opts = options(f, app) {
            let cur = optionCursor[f] ?? opts.chosen ?? 0
            for (i, label) in opts.labels.enumerated() {
                let mark = opts.chosen == i ? "(•)" : "( )"
                page.option("\(i + 1). \(mark) \(label)", focused: focused && i == cur, indent: 2)
            }
            return nil
        }
        if var t = texts[f] {
            let rows = t.multiline ? 4 : 1
            let fieldWidth = min(page.width - 2, t.multiline ? page.width - 2 : 60)
            let top = page.lines.count
            let c = page.textField(&t, rows: rows, width: fieldWidth, indent: 2, focused: focused)
            texts[f] = t
            return c.map { ($0.0, top + $0.1) }
        }
        return nil
    }

    func renderUrgent(_ g: inout Grid, _ r: Rect, _ app: App) {
        var page = PageWriter(width: r.width)
        page.paragraph(S.urgentTitle, style: .danger)
        page.gap()
        // The numbers first: they must be on screen even in a small window.
        page.line(S.urgentEmergency, style: .title)
        for n in app.profile.emergencyNumbers { page.paragraph("\(n.number)  \(S.words(n.label))", style: .warning, indent: 2) }
        page.line(S.urgentHelplines, style: .title)
        for n in app.profile.helplines { page.paragraph("\(n.number)  \(S.words(n.label))", style: .warning, indent: 2) }
        page.gap()
        for s in app.profile.urgentSteps { page.paragraph("• " + S.words(s), hanging: 2) }
        page.gap()
        page.paragraph(S.urgentAfter, style: .muted)
        drawScrolling(page, into: &g, r)
    }

    func renderReview(_ g: inout Grid, _ r: Rect, _ app: App) {
        var page = PageWriter(width: r.width)
        page.paragraph(S.stepIntro(.review), style: .muted)
        let problems = ReportValidation.issues(for: .review, in: report, today: app.clock.today)
        for s in ReportStep.allCases where s != .review {
            page.gap()
            page.line(S.stepTitle(s), style: .title)
            for f in s.fields {
                let value = reviewValue(f, app)
                let label = S.reviewLabel(f)
                page.paragraph("\(label): \(value.isEmpty ? S.reviewNothing : value)", style: problems[f] != nil ? .danger : .normal, indent: 2)
            }
        }
        page.gap()
        page.button(S.saveButton, focused: true)
        page.line(S.reviewKeys, style: .muted)
        drawScrolling(page, into: &g, r)
    }

    func reviewValue(_ f: ReportField, _ app: App) -> String {
        switch f {
        case .concerns: return report.concerns.map { S.concern($0, app.profile) }.joined(separator: ", ")
        case .inDangerNow: return report.inDangerNow.map { $0 ? S.answer(.yes) : S.answer(.no) } ?? ""
        case .reporterKind: return report.reporterKind.map(S.reporterKind) ?? ""
        case .sex: return report.sex.map(S.sex) ?? ""
        case .childAssent: return S.answer(report.childAssent)
        case .caregiverConsent: return S.answer(report.caregiverConsent)
        default:
            guard let kp = Self.textPath(f) else { return "" }
            return report[keyPath: kp].replacingOccurrences(of: "\n", with: " ")
        }
    }
}
