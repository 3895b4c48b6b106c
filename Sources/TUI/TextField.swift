import Foundation
import I18n
import Model

/// An editable text value with a cursor, for one-line fields and multi-line areas.
///
/// Editing is per grapheme cluster (a combining accent or an emoji is one step of the cursor). Typed and
/// pasted text is cleaned by `TextSafety` (no control characters or escape sequences); in a one-line field a
/// pasted newline becomes a space, so a paste never submits a form. `limit` is in grapheme clusters.
public struct TextField: Equatable, Sendable {
    public private(set) var chars: [Character]
    /// Cursor position: an index into `chars` (0...count).
    public private(set) var cursor: Int
    public let multiline: Bool
    public let limit: Int
    /// First visible column (one-line) or first visible line (multi-line) for scrolling.
    private var scroll = 0
    /// Set when an edit was refused because of `limit`, so the screen can say so.
    public private(set) var hitLimit = false

    public init(_ text: String = "", multiline: Bool = false, limit: Int = TextLimits.line) {
        self.multiline = multiline
        self.limit = limit
        chars = Array(TextSafety.clean(text, multiline: multiline))
        cursor = chars.count
    }

    public var text: String { String(chars) }

    /// Replaces the whole value (cursor to the end).
    public mutating func set(_ text: String) {
        chars = Array(TextSafety.clean(text, multiline: multiline))
        cursor = chars.count
        scroll = 0
    }

    /// Inserts text at the cursor (typed or pasted); stops at `limit`.
    public mutating func insert(_ text: String) {
        let clean = Array(TextSafety.clean(text, multiline: multiline))
        let room = max(0, limit - chars.count)
        hitLimit = clean.count > room
        let part = clean.prefix(room)
        chars.insert(contentsOf: part, at: cursor)
        cursor += part.count
        // A combining mark or a Hangul jamo typed on its own joins the character before it (ᄀ ᅵ ᆷ → 김,
        // e + ◌̂ + ◌̃ → ễ): keep the array NFC. Compared by scalars: `Character`'s `==` is canonical
        // equivalence, so it cannot see the difference between 기 + ᆷ and 김.
        let joined = String(chars)
        let merged = TextSafety.nfc(joined)
        if !merged.unicodeScalars.elementsEqual(joined.unicodeScalars) || merged.count != chars.count {
            let before = TextSafety.nfc(String(chars[0..<cursor])).count
            chars = Array(merged)
            cursor = min(before, chars.count)
        }
    }

    /// Handles an editing key. Returns true when the key was used (so the screen should not treat it further).
    public mutating func handle(_ key: Key) -> Bool {
        hitLimit = false
        switch key {
        case .char(let c):
            insert(String(c))
        case .left:
            if cursor > 0 { cursor -= 1 }
        case .right:
            if cursor < chars.count { cursor += 1 }
        case .home, .ctrl("a"):
            cursor = multiline ? lineStart(cursor) : 0
        case .end, .ctrl("e"):
            cursor = multiline ? lineEnd(cursor) : chars.count
        case .backspace:
            if cursor > 0 { chars.remove(at: cursor - 1); cursor -= 1 }
        case .delete:
            if cursor < chars.count { chars.remove(at: cursor) }
        case .ctrl("u"):
            chars.removeSubrange(0..<cursor)
            cursor = 0
        case .enter where multiline:
            insert("\n")
        default:
            return false
        }
        return true
    }

    private func lineStart(_ i: Int) -> Int {
        var j = i
        while j > 0 && chars[j - 1] != "\n" { j -= 1 }
        return j
    }

    private func lineEnd(_ i: Int) -> Int {
        var j = i
        while j < chars.count && chars[j] != "\n" { j += 1 }
        return j
    }

    /// Visual lines of a multi-line value wrapped at `width` columns: (start, end) character ranges.
    func visualLines(width: Int) -> [Range<Int>] {
        guard width > 0 else { return [0..<chars.count] }
        var lines: [Range<Int>] = []
        var start = 0
        var col = 0
        var lastSpace: Int? = nil
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\n" {
                lines.append(start..<i)
                start = i + 1
                col = 0
                lastSpace = nil
                i += 1
                continue
            }
            let w = max(1, DisplayWidth.of(c))
            // (A character wider than the whole area still takes a line of its own, clipped when drawn:
            // waiting for room that never comes would loop for ever.)
            if col + w > width && i > start {
                if let s = lastSpace, s >= start {
                    lines.append(start..<(s + 1))
                    start = s + 1
                } else {
                    lines.append(start..<i)
                    start = i
                }
                col = chars[start..<i].reduce(0) { $0 + max(1, DisplayWidth.of($1)) }
                lastSpace = nil
                continue
            }
            if c == " " { lastSpace = i }
            col += w
            i += 1
        }
        lines.append(start..<chars.count)
        return lines
    }

    /// Moves the cursor one visual line up or down in a multi-line value (for ↑/↓). Returns false at the
    /// first/last line so the screen can move focus instead.
    public mutating func moveLine(_ delta: Int, width: Int) -> Bool {
        let lines = visualLines(width: width)
        guard let li = lines.lastIndex(where: { $0.lowerBound <= cursor }) else { return false }
        let target = li + delta
        guard target >= 0, target < lines.count else { return false }
        let col = chars[lines[li].lowerBound..<cursor].reduce(0) { $0 + DisplayWidth.of($1) }
        var j = lines[target].lowerBound
        var c = 0
        while j < lines[target].upperBound && chars[j] != "\n" {
            let w = DisplayWidth.of(chars[j])
            if c + w > col { break }
            c += w
            j += 1
        }
        cursor = j
        return true
    }

    /// Draws the value into `rect` and returns where the cursor is (when `focused`).
    /// One-line fields scroll horizontally to keep the cursor visible; multi-line fields wrap and scroll.
    public mutating func render(into g: inout Grid, _ r: Rect, focused: Bool, style: Style = .field) -> (x: Int, y: Int)? {
        guard r.width > 0, r.height > 0 else { return nil }
        g.fill(r, style: style)
        if !multiline {
            if !focused { scroll = 0 }
            let cursorCol = focused ? chars[0..<cursor].reduce(0) { $0 + DisplayWidth.of($1) } : 0
            if cursorCol - scroll >= r.width { scroll = cursorCol - r.width + 1 }
            if cursorCol < scroll { scroll = cursorCol }
            var col = 0
            var x = r.x
            for c in chars {
                let w = DisplayWidth.of(c)
                if col >= scroll {
                    if x + w > r.maxX { break }
                    x = g.put(String(c), x: x, y: r.y, style: style, clip: r)
                }
                col += w
            }
            return focused ? (r.x + min(cursorCol - scroll, r.width - 1), r.y) : nil
        }
        let lines = visualLines(width: r.width)
        let li = lines.lastIndex(where: { $0.lowerBound <= cursor }) ?? 0
        if li - scroll >= r.height { scroll = li - r.height + 1 }
        if li < scroll { scroll = li }
        scroll = max(0, min(scroll, max(0, lines.count - r.height)))
        if li < scroll { scroll = li }
        for (row, range) in lines.enumerated().dropFirst(scroll).prefix(r.height) {
            let text = String(chars[range]).replacingOccurrences(of: "\n", with: "")
            g.put(text, x: r.x, y: r.y + row - scroll, style: style, clip: r)
        }
        let col = chars[lines[li].lowerBound..<cursor].reduce(0) { $0 + DisplayWidth.of($1) }
        return focused ? (r.x + min(col, r.width - 1), r.y + li - scroll) : nil
    }
}
