/// Kinga's one word wrap, for every place that lays text out in columns: the screens (TUI's
/// `DisplayWidth.wrap`, which measures each grapheme as the terminal draws it) and the plain-text printouts
/// (`PrintDocument.plainText`, one column a character).
///
/// Model imports no C, so the width of a grapheme cluster (`Character`) is given by the caller as `measure`.
public enum TextWrap {
    /// Word-wraps `text` into lines of at most `width` columns, as `measure` counts them. Newlines start new
    /// lines; a word longer than the width is broken; a character wider than the whole width is shown as "…".
    /// Empty lines are kept, and so are the spaces between words (two spaces stay two). Nothing for `width` ≤ 0.
    /// - Parameter measure: columns one grapheme cluster takes (0 for one that is not drawn).
    public static func lines(_ text: String, width: Int, measure: (Character) -> Int) -> [String] {
        guard width > 0 else { return [] }
        func columns<S: StringProtocol>(_ s: S) -> Int { s.reduce(0) { $0 + measure($1) } }
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var lineW = 0
            // True when a broken word ended exactly at a line's end: no empty line follows it.
            var brokeToEnd = false
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: false) {
                brokeToEnd = false
                var w = String(word)
                var ww = columns(w)
                let needed = lineW == 0 ? ww : lineW + 1 + ww
                if needed <= width {
                    if lineW > 0 { line += " "; lineW += 1 }
                    line += w
                    lineW += ww
                    continue
                }
                if lineW > 0 { lines.append(line); line = ""; lineW = 0 }
                while ww > width {
                    var head = prefix(w, fitting: width, measure: measure)
                    var used = head.count
                    if head.isEmpty {
                        // A glyph wider than the whole line (a wide character at width 1): a marker instead.
                        head = "…"
                        used = 1
                    }
                    lines.append(head)
                    w = String(w.dropFirst(used))
                    ww = columns(w)
                    brokeToEnd = w.isEmpty
                }
                line = w
                lineW = ww
            }
            if !(brokeToEnd && line.isEmpty) { lines.append(line) }
        }
        return lines
    }

    /// The longest prefix of `s` that fits in `width` columns, as `measure` counts them (no ellipsis).
    public static func prefix(_ s: String, fitting width: Int, measure: (Character) -> Int) -> String {
        var out = ""
        var used = 0
        for c in s {
            let w = measure(c)
            if used + w > width { break }
            out.append(c)
            used += w
        }
        return out
    }
}
