import Foundation
import I18n
import Model
import Storage

/// Drawing a frame and the run loop (issue #16: App.swift stays under 400 lines).
extension App {
    /// Renders the whole frame at the given size, in the language of whoever is using Kinga.
    public func render(width: Int, height: Int) -> Grid {
        L10n.$current.withValue(language) { renderInLanguage(width: width, height: height) }
    }

    private func renderInLanguage(width: Int, height: Int) -> Grid {
        var g = Grid(width: width, height: height)
        guard width >= Self.minWidth, height >= Self.minHeight else {
            renderTooSmall(&g)
            return g
        }
        // Header: app and profile on the left, screen title on the right; the demo banner on every screen.
        g.fill(Rect(x: 0, y: 0, width: width, height: 1), style: .header)
        let title = DisplayWidth.truncate(top.title, to: max(0, width / 2 - 1)) + " "
        let titleWidth = DisplayWidth.of(title)
        let left = DisplayWidth.truncate(" \(S.appName) · \(profile.name)", to: max(0, width - titleWidth - 1))
        g.put(left, x: 0, y: 0, style: .header)
        g.put(title, x: max(0, width - titleWidth), y: 0, style: .header)
        var contentTop = 1
        if demo {
            g.fill(Rect(x: 0, y: 1, width: width, height: 1), style: .banner)
            var b = S.demoBanner
            // While a scenario is practised, the banner also says which step is next (never hidden by a screen).
            if session != nil, let p = practiceStatus(cached: true) {
                let line = PracticeCheck.current(p.states).map { S.practiceBanner($0 + 1, p.scenario.steps.count, p.scenario.steps[$0].title.text(language.code)) }
                    ?? S.practiceBannerDone
                b = DisplayWidth.truncate(S.demoShort + " · " + line, to: width)
            }
            g.put(b, x: max(0, (width - DisplayWidth.of(b)) / 2), y: 1, style: .banner)
            contentTop = 2
        }
        // Footer: key hints.
        let footerY = height - 1
        g.fill(Rect(x: 0, y: footerY, width: width, height: 1), style: .header)
        var x = 0
        // The ways out (Esc, Ctrl-Q, q) and the lock (l) are never the hints that do not fit: when the line is too long,
        // the last other hints go first.
        var hints = top.hints(self)
        func lineWidth() -> Int { hints.reduce(0) { $0 + DisplayWidth.of(" \($1.0) \($1.1) ") } }
        while lineWidth() > width, let i = hints.lastIndex(where: { !["Esc", "Ctrl-Q", "q", "l"].contains($0.0) }) { hints.remove(at: i) }
        for (key, what) in hints {
            let piece = " \(key) \(what) "
            if x + DisplayWidth.of(piece) > width { break }
            x = g.put(" \(key)", x: x, y: footerY, style: .header)
            x = g.put(" \(what) ", x: x, y: footerY, style: .header)
        }
        var contentBottom = footerY
        if let f = flash {
            // Up to three lines, so a message's last words (what to do next) are never cut off.
            let lines = Array(DisplayWidth.wrap(f.text, width: max(1, width - 2)).prefix(height >= 20 ? 3 : 2))
            contentBottom -= lines.count
            for (i, line) in lines.enumerated() {
                let y = contentBottom + i
                g.fill(Rect(x: 0, y: y, width: width, height: 1), style: f.style)
                g.put(" " + line, x: 0, y: y, style: f.style, clip: Rect(x: 0, y: y, width: width, height: 1))
            }
        }
        let area = Rect(x: 0, y: contentTop, width: width, height: contentBottom - contentTop)
        top.render(&g, area, self)
        return g
    }

    private func renderTooSmall(_ g: inout Grid) {
        let lines = [S.tooSmall, S.tooSmallDetail]
        var y = max(0, g.height / 2 - 1)
        for l in lines where y < g.height {
            for part in DisplayWidth.wrap(l, width: g.width) where y < g.height {
                g.put(part, x: max(0, (g.width - DisplayWidth.of(part)) / 2), y: y)
                y += 1
            }
        }
        if demo && g.height > 2 {
            let b = DisplayWidth.truncate(S.demoBanner, to: g.width)
            g.put(b, x: 0, y: 0, style: .banner)
        }
    }

    /// Runs the step a screen deferred (see `deferredWork`) and applies its action.
    public func runDeferredWork() {
        guard let work = deferredWork else { return }
        deferredWork = nil
        guard session != nil else { return }
        let action = L10n.$current.withValue(language) { work() }
        // A slow step (the network) is not time away from the kiosk: the idle lock counts from its end, so its
        // outcome is read before the screen locks.
        lastInput = uptime()
        apply(action)
    }

    /// Runs the loop on a terminal until the user quits or a signal asks to stop. Saves drafts before
    /// returning. The caller restores the terminal.
    /// - Returns: the signal that stopped the loop, or nil for a normal quit.
    @discardableResult
    public func run(on terminal: Terminal) -> Int32? {
        var last: Grid?
        while !quitRequested {
            if let sig = terminal.takeSignal() {
                saveUnfinished()
                Speaker.stop()
                return sig
            }
            housekeeping()
            if wipeRequested {
                terminal.wipe()
                wipeRequested = false
                last = nil
            }
            let (w, h) = terminal.size
            terminal.apply(theme: theme)
            let frame = render(width: w, height: h)
            if frame != last {
                terminal.draw(frame)
                last = frame
            }
            if deferredWork != nil {
                runDeferredWork()
                continue
            }
            // A second without input is a tick: the store is watched, and a change elsewhere becomes an event.
            // Events posted from outside (`post(_:)`) wait at most this second.
            let events = terminal.nextEvents(timeoutMs: 1000)
            for e in events.isEmpty ? [.tick] : events {
                handle(e)
                if quitRequested { break }
            }
            if !quitRequested { handlePosted() }
        }
        saveUnfinished()
        Speaker.stop()
        return nil
    }
}
