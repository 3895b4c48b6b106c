import CNcurses
import Foundation
import I18n

/// The real terminal, through ncursesw. The only Swift file that calls curses (DESIGN.md §3).
///
/// Set-up follows DESIGN.md §3: `newterm` (not `initscr`, which exits the process on an unknown `TERM`),
/// `raw` + `noecho` + `keypad`, a 25 ms Esc delay unless `ESCDELAY` is set, bracketed paste on, and
/// signal handlers that only set a flag the loop reads.
public final class NcursesTerminal: Terminal {
    public enum StartError: Error, CustomStringConvertible {
        case noTerminal(String)
        case tooSimple(String)
        public var description: String {
            switch self {
            case .tooSimple(let t):
                return "This terminal (TERM=\(t)) cannot show Kinga's screens: it cannot move the cursor. Try: TERM=xterm-256color kinga"
            case .noTerminal(let t):
                return t.isEmpty
                    ? "Kinga needs a terminal, but TERM is not set. Try: TERM=xterm-256color kinga"
                    : "Kinga does not know this kind of terminal (TERM=\(t)). Try: TERM=xterm-256color kinga"
            }
        }
    }

    private let screen: OpaquePointer
    private var decoder = InputDecoder()
    private var ended = false
    /// Set when the terminal went away (end of file, EIO or hang-up on standard input): the person is gone.
    private var gone = false
    private let hasColour: Bool
    /// How many colours the terminal has (`COLORS`; 0 without colour).
    private let colours: Int
    private var theme: Theme.Kind = .standard
    /// True when the terminal can show colour and `NO_COLOR` is not set.
    public var canShowColour: Bool { hasColour }

    /// Switches the colours (a theme change is redrawn with the next frame).
    public func apply(theme kind: Theme.Kind) {
        guard kind != theme else { return }
        theme = kind
        if hasColour && kind != .mono { Self.installPairs(kind, colours: colours) }
    }
    /// True when the terminal has no alternate screen (linux console, vt100): scrollback must be cleared.
    private let noAlternateScreen: Bool

    /// Starts curses on stdin/stdout.
    /// - Parameter noColor: true when `NO_COLOR` is set: use attributes only.
    /// - Throws: `StartError.noTerminal` when `TERM` is unset or unknown (nothing was changed on the terminal).
    public init(noColor: Bool) throws {
        DisplayWidth.ensureUTF8Locale()
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        guard !term.isEmpty, let scr = newterm(nil, kinga_stdout(), kinga_stdin()) else {
            throw StartError.noTerminal(term)
        }
        _ = set_term(scr)
        guard kinga_can_address_cursor() != 0 else {
            endwin()
            delscreen(scr)
            throw StartError.tooSimple(term)
        }
        screen = scr
        if ProcessInfo.processInfo.environment["ESCDELAY"] == nil { set_escdelay(25) }
        raw()
        noecho()
        nonl()
        keypad(kinga_stdscr(), true)
        intrflush(kinga_stdscr(), false)
        meta(kinga_stdscr(), true)
        hasColour = !noColor && has_colors() && start_color() == kinga_ok()
        colours = hasColour ? Int(kinga_colors()) : 0
        if hasColour {
            use_default_colors()
            Self.installPairs(.standard, colours: colours)
        }
        noAlternateScreen = ["linux", "vt100", "vt220", "dumb", "ansi"].contains(where: { term.hasPrefix($0) })
        kinga_install_signal_handlers()
        // Bracketed paste on (terminals that do not know it ignore the sequence).
        writeRaw("\u{1B}[?2004h")
    }

    private func writeRaw(_ s: String) {
        kinga_write_out(s)
    }

    public var size: (width: Int, height: Int) { (Int(kinga_cols()), Int(kinga_lines())) }

    public func draw(_ grid: Grid) {
        let win = kinga_stdscr()
        werase(win)
        let rows = min(grid.height, Int(kinga_lines()))
        let cols = min(grid.width, Int(kinga_cols()))
        for y in 0..<rows {
            var x = 0
            while x < cols {
                let cell = grid[x, y]
                if cell.width == 0 { x += 1; continue }
                if cell.width == 2 && x + 1 >= cols { break }
                let (attrs, pair) = Self.attributes(for: cell.style, kind: hasColour ? theme : .mono, colours: colours)
                // The grid holds exactly what the terminal is sent (DisplayWidth.drawn): one spacing character
                // and at most four zero-width ones, within ncurses' CCHARW_MAX of 5.
                var wcs = Array(cell.text.unicodeScalars.prefix(DisplayWidth.maxMarksPerCell + 1).map { wchar_t(bitPattern: $0.value) })
                wcs.append(0)
                if kinga_put_cell(win, Int32(y), Int32(x), wcs, attrs, pair) == kinga_err() {
                    // The last cell of the screen returns ERR after writing (the cursor cannot advance): harmless.
                }
                x += Int(cell.width)
            }
        }
        if let c = grid.cursor, c.x < cols, c.y < rows {
            curs_set(1)
            wmove(win, Int32(c.y), Int32(c.x))
        } else {
            curs_set(0)
        }
        wnoutrefresh(win)
        doupdate()
    }

    public func nextEvents(timeoutMs: Int) -> [Event] {
        let win = kinga_stdscr()
        var events: [Event] = []
        wtimeout(win, Int32(timeoutMs))
        while true {
            var ch: UInt32 = 0
            let r = kinga_get_wch(win, &ch)
            if r == kinga_err() {
                if decoder.isMidSequence {
                    // Give the rest of an escape sequence (30 ms) or a paste (300 ms) a moment to arrive.
                    wtimeout(win, decoder.isPasting ? 300 : 30)
                    var c2: UInt32 = 0
                    let r2 = kinga_get_wch(win, &c2)
                    if r2 == kinga_err() {
                        events += decoder.flush()
                        noticeIfGone()
                        break
                    }
                    events += handle(r2, c2)
                    continue
                }
                events += decoder.flush()
                noticeIfGone()
                break
            }
            events += handle(r, ch)
            // Drain what is already waiting without blocking, so a paste arrives as one event.
            wtimeout(win, decoder.isMidSequence ? 30 : 0)
        }
        return events
    }

    private func handle(_ r: Int32, _ ch: UInt32) -> [Event] {
        if r == kinga_key_code_yes() {
            let code = Int32(ch)
            if code == KEY_RESIZE { return [.resize(width: size.width, height: size.height)] }
            return decoder.feed(.key(Self.key(code)))
        }
        guard let s = Unicode.Scalar(ch) else { return [] }
        return decoder.feed(.scalar(s))
    }

    static func key(_ code: Int32) -> Key {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_NPAGE: return .pageDown
        case KEY_PPAGE: return .pageUp
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_BTAB: return .backTab
        case KEY_ENTER: return .enter
        default:
            for n in 1...12 where code == kinga_key_f(Int32(n)) { return .function(n) }
            return .unknown
        }
    }

    /// After `wget_wch` gave nothing: checks whether the terminal is still there (see `kinga_terminal_gone`).
    private func noticeIfGone() {
        if !gone && kinga_terminal_gone() != 0 { gone = true }
    }

    /// The signal that asks Kinga to stop, or SIGHUP when the terminal itself went away without one (its
    /// other end closed while a shell that survived the hang-up stayed the session leader, a dropped SSH
    /// connection): either way the person is gone, so the loop saves what is unfinished and Kinga exits.
    public func takeSignal() -> Int32? {
        let s = kinga_take_signal()
        if s != 0 { return s }
        return gone ? SIGHUP : nil
    }

    public func wipe() {
        let win = kinga_stdscr()
        werase(win)
        wnoutrefresh(win)
        doupdate()
        if noAlternateScreen { writeRaw("\u{1B}[3J") }
    }

    /// Restores the terminal: bracketed paste off, cursor visible, curses ended, then the screen and
    /// scrollback cleared so no case data stays visible after Kinga exits. Safe to call twice.
    public func end() {
        guard !ended else { return }
        ended = true
        writeRaw("\u{1B}[?2004l")
        curs_set(1)
        werase(kinga_stdscr())
        wnoutrefresh(kinga_stdscr())
        doupdate()
        endwin()
        delscreen(screen)
        // After endwin: clear the visible screen and the scrollback (terminals without an alternate screen
        // would otherwise keep the last frame), and home the cursor.
        writeRaw("\u{1B}[H\u{1B}[2J\u{1B}[3J")
    }

    deinit { end() }
}

extension NcursesTerminal {
    /// Sets the curses colour pairs of `kind` (one per style, `Theme.pair(for:)`) from the pure table
    /// `Theme.look`, for a terminal with `colours` colours.
    static func installPairs(_ kind: Theme.Kind, colours: Int) {
        for style in Style.allCases {
            let look = Theme.look(style, kind, colours: colours)
            init_pair(Theme.pair(for: style), look.fg, look.bg)
        }
    }

    /// The curses attributes and colour pair of `style` in theme `kind` (`.mono` when colour is off).
    static func attributes(for style: Style, kind: Theme.Kind, colours: Int) -> (attr_t, Int16) {
        let look = Theme.look(style, kind, colours: colours)
        var attrs = kinga_a_normal()
        if look.bold { attrs |= kinga_a_bold() }
        if look.reverse { attrs |= kinga_a_reverse() }
        if look.underline { attrs |= kinga_a_underline() }
        return (attrs, kind == .mono || colours < 8 ? 0 : Theme.pair(for: style))
    }
}
