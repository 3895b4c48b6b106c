import CNcurses
import Foundation
import I18n
import Model

/// Display width of text in terminal columns, measured per grapheme cluster (`Character`).
///
/// Rule (DESIGN.md §3): the first scalar's `wcwidth`; 2 when the cluster has emoji presentation or a
/// VS16 (U+FE0F) selector; 0 for a cluster that is only combining marks. `wcwidth` needs a UTF-8 `LC_CTYPE`,
/// so the first measurement makes sure one is set (falling back to `C.UTF-8`, which every Debian has).
public enum DisplayWidth {
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

    /// Columns one grapheme takes: 0, 1 or 2. Unsafe characters (controls) count as 1: they are drawn as `�`.
    public static func of(_ c: Character) -> Int {
        ensureUTF8Locale()
        let scalars = c.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if first.isASCII {
            return (first.value >= 0x20 && first.value < 0x7F) ? 1 : 1
        }
        if TextSafety.isUnsafe(first) { return 1 }
        if scalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        if first.properties.isEmojiPresentation { return 2 }
        let w = Int(wcwidth(wchar_t(bitPattern: first.value)))
        if w < 0 {
            // Unassigned or control in this locale: draw as one replacement column.
            return 1
        }
        if w == 0 {
            // A cluster that is only combining marks (no base) still needs a column to be seen.
            return first.properties.generalCategory == .nonspacingMark || first.properties.generalCategory == .enclosingMark ? 1 : 0
        }
        return min(w, 2)
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

    /// Word-wraps `text` into lines of at most `width` columns. Newlines start new lines; a word longer than
    /// the width is broken; a character wider than the whole width is shown as "…". Empty lines are kept.
    public static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var lineW = 0
            // True when a broken word ended exactly at a line's end: no empty line follows it.
            var brokeToEnd = false
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: false) {
                brokeToEnd = false
                var w = String(word)
                var ww = of(w)
                let needed = lineW == 0 ? ww : lineW + 1 + ww
                if needed <= width {
                    if lineW > 0 { line += " "; lineW += 1 }
                    line += w
                    lineW += ww
                    continue
                }
                if lineW > 0 { lines.append(line); line = ""; lineW = 0 }
                while ww > width {
                    var head = truncate(w, to: width, ellipsis: false)
                    var used = head.count
                    if head.isEmpty {
                        // A glyph wider than the whole line (a wide character at width 1): a marker instead.
                        head = "…"
                        used = 1
                    }
                    lines.append(head)
                    w = String(w.dropFirst(used))
                    ww = of(w)
                    brokeToEnd = w.isEmpty
                }
                line = w
                lineW = ww
            }
            if !(brokeToEnd && line.isEmpty) { lines.append(line) }
        }
        return lines
    }
}
