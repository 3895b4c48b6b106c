import CNcurses
import Foundation
import I18n
import Model

/// Display width of text in terminal columns, and what Kinga actually sends to the terminal for each
/// grapheme cluster (`Character`).
///
/// The rule (issue #14, item 5): every cluster is drawn as one or more cells, each holding **one spacing
/// character plus at most four zero-width combining characters** (ncurses' `CCHARW_MAX` is 5), and the
/// width of each cell is the C library's `wcwidth` of that spacing character, which is what ncurses
/// counts and what tmux and xterm give it. Whatever terminals disagree on is never sent:
///
/// - **Emoji ZWJ sequences** (`👩‍👩‍👧`, `👩‍⚕️`, `🏳️‍🌈`) are drawn as the part before the first
///   zero-width joiner (`👩`, `👩`, `🏳`).
/// - **Zero-width joiners and non-joiners, variation selectors (VS15, VS16) and tag characters** are
///   never sent (`❤️` is drawn as `❤`, one column; `1️⃣` as `1⃣`).
/// - **Skin-tone modifiers** are never sent: after a base they are dropped (`👍🏽` is drawn as `👍`), alone
///   they are `�`.
/// - **Regional indicators** (flags) are drawn as their capital letters: `🇿🇲` as `ZM`, a lone `🇿` as `Z`.
/// - A character this C library does not know (`wcwidth` −1, for example an emoji newer than glibc 2.36's
///   Unicode 14, like U+1FAE8) is drawn as `�` (one column).
/// - A combining mark with no base is drawn on a dotted circle (`◌́`), as Unicode's charts show it; other
///   zero-width format characters are not drawn.
/// - Any other cluster with several spacing characters (Devanagari `कि`, Thai `กำ`) takes one cell per
///   spacing character, each with its own marks: tmux and xterm count those per code point too (`कि`: 2
///   columns in both; ncurses alone would keep only `क`).
///
/// The **stored text is never changed**: this is only what the screen shows (search, printouts and exports
/// see the whole name).
///
/// Evidence (measured on Debian 12 with the cursor position after each string; width in columns):
///
/// | sent                     | tmux 3.3a | xterm 379 | Kinga draws          |
/// | ------------------------ | --------- | --------- | -------------------- |
/// | `👩‍👩‍👧` (ZWJ family)       | 2         | 6         | `👩`, 2              |
/// | `👩‍⚕️` (ZWJ + VS16)        | 2         | 3         | `👩`, 2              |
/// | `🏳️‍🌈` (rainbow flag)      | 1         | 3         | `🏳`, 1              |
/// | `👍🏽` (skin tone)          | 4         | 4         | `👍`, 2              |
/// | `❤️` (VS16)               | 1         | 1         | `❤`, 1               |
/// | `🇿🇲` (flag)               | 2         | 2         | `ZM`, 2              |
/// | U+1FAE8 (Unicode 15)     | 0         | 1         | `�`, 1               |
///
/// ncurses itself keeps only a cell's first character and the zero-width ones after it, so before this
/// rule `👩‍👩‍👧 Nur` went out as `👩` plus a dangling joiner: in tmux the joiner turned up in another column
/// of the case list (`Kampung C‍…`) and, after the filter form closed over it, a stray `o` stayed
/// (`oopen`). `EndToEndTests.emojiNameLeavesNoTrace` is that scene.
///
/// `wcwidth` needs a UTF-8 `LC_CTYPE`, so the first measurement makes sure one is set (falling back to
/// `C.UTF-8`, which every Debian has).
public enum DisplayWidth {
    /// One terminal cell of a drawn cluster: `text` is one spacing character and at most four zero-width
    /// ones after it; `width` (1 or 2 columns) is its `wcwidth`, what ncurses and the terminal count.
    public struct Glyph: Equatable, Sendable {
        public var text: String
        public var width: Int
        public init(_ text: String, width: Int) {
            self.text = text
            self.width = width
        }
    }

    /// Most zero-width characters ncurses keeps after a cell's spacing character (`CCHARW_MAX` − 1).
    public static let maxMarksPerCell = 4

    /// Runs once, thread-safely (Swift initialises a static `let` exactly once): `setlocale` is not
    /// safe to call while other threads use the locale.
    private static let localeSetup: Void = {
        if setlocale(LC_CTYPE, "") == nil || !currentCTypeIsUTF8() {
            _ = setlocale(LC_CTYPE, "C.UTF-8")
        }
    }()

    /// Makes sure `LC_CTYPE` is a UTF-8 locale (the user's if it is one, else `C.UTF-8`).
    public static func ensureUTF8Locale() { _ = localeSetup }

    static func currentCTypeIsUTF8() -> Bool {
        guard let name = setlocale(LC_CTYPE, nil) else { return false }
        let s = String(cString: name).uppercased()
        return s.contains("UTF-8") || s.contains("UTF8")
    }

    /// The C library's `wcwidth` of one scalar (−1 for controls and characters it does not know).
    static func cWidth(_ s: Unicode.Scalar) -> Int {
        ensureUTF8Locale()
        return Int(wcwidth(wchar_t(bitPattern: s.value)))
    }

    private static let replacement = Glyph("\u{FFFD}", width: 1)

    /// True for scalars terminals disagree on and Kinga never sends: joiners, variation selectors, tags.
    static func isNeverSent(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x200C, 0x200D: return true                 // zero-width non-joiner, joiner
        case 0xFE00...0xFE0F, 0xE0100...0xE01EF: return true  // variation selectors (VS15, VS16, ...)
        case 0xE0000...0xE007F: return true              // tag characters (subdivision flags)
        default: return s.properties.generalCategory == .format && cWidth(s) == 0
        }
    }

    static func isSkinTone(_ s: Unicode.Scalar) -> Bool { (0x1F3FB...0x1F3FF).contains(s.value) }
    static func isRegionalIndicator(_ s: Unicode.Scalar) -> Bool { (0x1F1E6...0x1F1FF).contains(s.value) }

    /// What Kinga draws for one grapheme cluster: the cells, left to right (see the rule above). Empty for
    /// a cluster with nothing to show (a lone zero-width format character). Unsafe characters (controls,
    /// escape sequences, bidi overrides) are one `�`.
    public static func drawn(_ c: Character) -> [Glyph] {
        let scalars = c.unicodeScalars
        guard let first = scalars.first else { return [] }
        if scalars.count == 1 && first.isASCII {
            return first.value >= 0x20 && first.value < 0x7F ? [Glyph(String(first), width: 1)] : [replacement]
        }
        if scalars.contains(where: TextSafety.isUnsafe) { return [replacement] }
        var kept = Array(scalars)
        // An emoji ZWJ sequence: only what comes before the first joiner.
        if let zwj = kept.firstIndex(where: { $0.value == 0x200D }),
           kept[..<zwj].contains(where: { !$0.isASCII && $0.properties.isEmoji }) {
            kept.removeSubrange(zwj...)
        }
        var cells: [Glyph] = []
        var marks = 0
        for s in kept {
            if isNeverSent(s) { continue }
            if isSkinTone(s) {
                // Dropped after a base; alone, a placeholder (a terminal that joins modifiers would put it
                // on whatever emoji was drawn before it).
                if cells.isEmpty { cells.append(replacement) }
                continue
            }
            if isRegionalIndicator(s) {
                let letter = Unicode.Scalar(UInt32(0x41) + s.value - 0x1F1E6)!
                cells.append(Glyph(String(letter), width: 1))
                marks = 0
                continue
            }
            let w = cWidth(s)
            if w < 0 {
                cells.append(replacement)
                marks = 0
            } else if w == 0 {
                if cells.isEmpty {
                    // A mark with no base: on a dotted circle, so it takes a column of its own.
                    cells.append(Glyph("\u{25CC}", width: 1))
                    marks = 0
                }
                guard marks < maxMarksPerCell else { continue }
                cells[cells.count - 1].text.unicodeScalars.append(s)
                marks += 1
            } else {
                cells.append(Glyph(String(s), width: min(w, 2)))
                marks = 0
            }
        }
        return cells
    }

    /// Why `text` cannot go into one cell of `width` columns as drawn (nil when it can): it must be one
    /// spacing character of exactly that width, then at most four zero-width characters, none of them one
    /// that terminals disagree on (joiners, variation selectors, tags, skin tones, regional indicators).
    public static func undrawable(_ text: String, width: Int) -> String? {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first else { return "empty cell" }
        if scalars.count > maxMarksPerCell + 1 { return "more than \(maxMarksPerCell) marks in one cell" }
        if let bad = scalars.first(where: { isNeverSent($0) || isRegionalIndicator($0) || isSkinTone($0) }) {
            return "U+\(String(bad.value, radix: 16, uppercase: true)) sent to the terminal"
        }
        if cWidth(first) != width { return "U+\(String(first.value, radix: 16, uppercase: true)) is \(cWidth(first)) columns, not \(width)" }
        if scalars.dropFirst().contains(where: { cWidth($0) != 0 }) { return "a second spacing character in one cell" }
        return nil
    }

    /// Columns one grapheme takes on screen: the sum of its drawn cells (0 when nothing is drawn).
    public static func of(_ c: Character) -> Int {
        if let a = c.asciiValue, a >= 0x20, a < 0x7F { return 1 }
        return drawn(c).reduce(0) { $0 + $1.width }
    }

    /// Columns a string takes.
    public static func of(_ s: String) -> Int { s.reduce(0) { $0 + of($1) } }

    /// The longest prefix of `s` that fits in `width` columns; adds "…" when it had to cut.
    public static func truncate(_ s: String, to width: Int, ellipsis: Bool = true) -> String {
        guard width > 0 else { return "" }
        if of(s) <= width { return s }
        var out = ""
        var used = 0
        let limit = ellipsis ? width - 1 : width
        for c in s {
            let w = of(c)
            if used + w > limit { break }
            out.append(c)
            used += w
        }
        if ellipsis {
            while out.last == " " { out.removeLast() }
            return out + "…"
        }
        return out
    }

    /// Pads with spaces to exactly `width` columns (truncating with "…" when longer).
    public static func pad(_ s: String, to width: Int) -> String {
        let t = truncate(s, to: width)
        return t + String(repeating: " ", count: max(0, width - of(t)))
    }

    /// Word-wraps `text` into lines of at most `width` columns as drawn (`of`): Model's `TextWrap.lines`, the one
    /// word wrap, measuring each grapheme cluster the way the terminal shows it. Newlines start new lines; a word
    /// longer than the width is broken; a character wider than the whole width is shown as "…". Empty lines are kept.
    public static func wrap(_ text: String, width: Int) -> [String] {
        TextWrap.lines(text, width: width) { of($0) }
    }
}
