/// Colours and attributes of every `Style` in every theme: a pure table, tested for contrast
/// (`ThemeContrastTests`) and turned into curses pairs by `NcursesTerminal`.
///
/// What the themes guarantee (issue #14, item 4; WCAG 2.2 AA asks 4.5:1 for text): every style reads at
/// 4.5:1 or more on a light terminal (xterm's default black on white) and on a dark one (white or light
/// grey on black), with xterm's 16 standard colours, whether or not the terminal shows bold as the bright
/// colour. To get there:
///
/// - Colour is only ever a **background with its own foreground** (white on blue, white on red, black on
///   yellow, black on green): the terminal's own background never sits behind a coloured letter, so a
///   light or dark terminal changes nothing. Elsewhere text is the terminal's own colours, with bold,
///   underline or reverse video.
/// - Black text is never bold: terminals that show bold as bright (xterm's `boldColors`, the default) turn
///   black into grey, and grey on yellow is 2.4:1 (the DEMO line before this table).
/// - Nothing is dim (faint): terminals draw it half-way to the background, 3.9:1 on white.
/// - Meaning never rests on colour: focus is reverse video and a `▸` marker, danger is bold and says
///   "urgent" in words, warnings and risk are words.
public enum Theme {
    /// The three themes (issue #5): default colours, high contrast (white on black, strong pairs), and
    /// monochrome (attributes only; forced by `NO_COLOR` and on terminals without colour).
    public enum Kind: String, CaseIterable, Sendable { case standard, contrast, mono }

    /// How one style looks: foreground and background as indexes into the terminal's palette (0 black,
    /// 1 red, 2 green, 3 yellow, 4 blue, 5 magenta, 6 cyan, 7 white, 8–15 their bright forms), or
    /// `Theme.terminalDefault` for the terminal's own colour, and the attributes.
    public struct Look: Equatable, Sendable {
        public var fg: Int16
        public var bg: Int16
        public var bold: Bool
        public var reverse: Bool
        public var underline: Bool
        public init(fg: Int16 = Theme.terminalDefault, bg: Int16 = Theme.terminalDefault, bold: Bool = false, reverse: Bool = false, underline: Bool = false) {
            self.fg = fg
            self.bg = bg
            self.bold = bold
            self.reverse = reverse
            self.underline = underline
        }
        /// True when the style uses no colour of its own (only the terminal's foreground and background).
        public var usesTerminalColours: Bool { fg == Theme.terminalDefault && bg == Theme.terminalDefault }
    }

    /// The palette index that means "the terminal's own colour" (curses' `use_default_colors`).
    public static let terminalDefault: Int16 = -1

    /// The look of `style` in theme `kind` on a terminal with `colours` colours (8, 16, 256, …). With fewer
    /// than 8 colours every theme is monochrome. White is the bright white (15) where the terminal has it.
    public static func look(_ style: Style, _ kind: Kind, colours: Int) -> Look {
        let black: Int16 = 0, red: Int16 = 1, green: Int16 = 2, yellow: Int16 = 3, blue: Int16 = 4
        let white: Int16 = colours >= 16 ? 15 : 7
        switch colours < 8 ? .mono : kind {
        case .mono:
            switch style {
            case .normal, .muted: return Look()
            case .header, .selected: return Look(reverse: true)
            case .focus, .banner: return Look(bold: true, reverse: true)
            case .warning, .title, .success: return Look(bold: true)
            case .danger: return Look(bold: true, underline: true)
            case .field: return Look(underline: true)
            }
        case .standard:
            switch style {
            case .normal, .muted: return Look()
            case .header: return Look(fg: white, bg: blue, bold: true)
            case .focus: return Look(bold: true, reverse: true)
            case .selected: return Look(reverse: true)
            case .warning, .banner: return Look(fg: black, bg: yellow)
            case .danger: return Look(fg: white, bg: red, bold: true)
            case .title: return Look(bold: true)
            case .field: return Look(underline: true)
            case .success: return Look(fg: black, bg: green)
            }
        case .contrast:
            switch style {
            case .normal, .muted: return Look(fg: white, bg: black)
            case .header, .focus, .selected: return Look(fg: black, bg: white)
            case .warning: return Look(fg: yellow, bg: black, bold: true)
            case .danger: return Look(fg: white, bg: red, bold: true)
            case .banner: return Look(fg: black, bg: yellow)
            case .title: return Look(fg: white, bg: black, bold: true)
            case .field: return Look(fg: white, bg: black, underline: true)
            case .success: return Look(fg: green, bg: black, bold: true)
            }
        }
    }

    /// The curses colour pair that holds `style`'s colours (pair 0 is the terminal's own colours).
    public static func pair(for style: Style) -> Int16 { Int16(style.rawValue) + 1 }
}
