import Foundation
import I18n
import Model
import Storage

/// Builds a tall virtual page of styled lines (and text fields) that is then drawn with a scroll offset.
struct PageWriter {
    enum Piece {
        case text(String, Style, indent: Int)
        case option(String, focused: Bool, indent: Int)
        case field(TextField, rowInField: Int, width: Int, indent: Int, focused: Bool)
        case button(String, focused: Bool)
    }
    let width: Int
    private(set) var lines: [Piece] = []

    init(width: Int) { self.width = width }

    mutating func line(_ s: String, style: Style = .normal) { lines.append(.text(s, style, indent: 0)) }
    mutating func gap() { lines.append(.text("", .normal, indent: 0)) }
    mutating func paragraph(_ s: String, style: Style = .normal, indent: Int = 0) {
        for l in DisplayWidth.wrap(s, width: max(1, width - indent)) { lines.append(.text(l, style, indent: indent)) }
    }
    /// A paragraph whose wrapped lines are indented by `hanging` (for bullets).
    mutating func paragraph(_ s: String, style: Style = .normal, hanging: Int) {
        for (i, l) in DisplayWidth.wrap(s, width: max(1, width - hanging)).enumerated() {
            lines.append(.text(l, style, indent: i == 0 ? 0 : hanging))
        }
    }
    /// A choice; a long one wraps under its text (after "1. ( ) "), so nothing is cut off, for example a
    /// provider's phone number at the end of the line.
    mutating func option(_ s: String, focused: Bool, indent: Int) {
        let room = max(1, width - indent - 2)
        // The marker ("1. (•) ", "[x] ") stays on the first line; the text wraps under itself.
        let cut = (s.range(of: ") ") ?? s.range(of: "] ")).map(\.upperBound).flatMap { DisplayWidth.of(String(s[..<$0])) <= 10 ? $0 : nil } ?? s.startIndex
        let prefix = String(s[..<cut]), body = String(s[cut...])
        let marker = DisplayWidth.of(prefix)
        guard DisplayWidth.of(s) > room, room - marker > 8 else { lines.append(.option(s, focused: focused, indent: indent)); return }
        for (i, l) in DisplayWidth.wrap(body, width: room - marker).enumerated() {
            lines.append(.option(i == 0 ? prefix + l : String(repeating: " ", count: marker) + l, focused: focused, indent: indent))
        }
    }
    mutating func button(_ s: String, focused: Bool) { lines.append(.button(s, focused: focused)) }

    /// Adds a text field of `rows` rows; returns the cursor (column, row within the field) when focused.
    mutating func textField(_ t: inout TextField, rows: Int, width: Int, indent: Int, focused: Bool) -> (Int, Int)? {
        var scratch = Grid(width: max(1, width), height: rows)
        let c = t.render(into: &scratch, Rect(x: 0, y: 0, width: width, height: rows), focused: focused)
        for r in 0..<rows { lines.append(.field(t, rowInField: r, width: width, indent: indent, focused: focused)) }
        return c.map { ($0.x + indent, $0.y) }
    }

    func draw(into g: inout Grid, x: Int, y: Int, height: Int, scroll: Int) {
        var fieldCache: [Int: Grid] = [:]
        for (i, piece) in lines.enumerated().dropFirst(scroll).prefix(height) {
            let yy = y + i - scroll
            switch piece {
            case .text(let s, let style, let indent):
                g.put(s, x: x + indent, y: yy, style: style, clip: Rect(x: x, y: yy, width: width, height: 1))
            case .option(let s, let focused, let indent):
                let r = Rect(x: x + indent, y: yy, width: width - indent, height: 1)
                if focused { g.fill(r, style: .focus) }
                g.put((focused ? "▸ " : "  ") + s, x: x + indent, y: yy, style: focused ? .focus : .normal, clip: r)
            case .field(var t, let row, let w, let indent, let focused):
                // Render the whole field once into a scratch grid, then copy the row.
                let start = i - row
                if fieldCache[start] == nil {
                    var rows = 1
                    while start + rows < lines.count, case .field(_, let r2, _, _, _) = lines[start + rows], r2 == rows { rows += 1 }
                    var scratch = Grid(width: max(1, w), height: rows)
                    _ = t.render(into: &scratch, Rect(x: 0, y: 0, width: w, height: rows), focused: focused, style: focused ? .field : .field)
                    fieldCache[start] = scratch
                }
                let scratch = fieldCache[start]!
                var col = 0
                while col < scratch.width {
                    let cell = scratch[col, row]
                    if cell.width == 0 { col += 1; continue }
                    g.put(cell.text, x: x + indent + col, y: yy, style: cell.style, clip: Rect(x: x, y: yy, width: width, height: 1))
                    col += max(1, Int(cell.width))
                }
            case .button(let s, let focused):
                let label = "[ \(s) ]"
                let r = Rect(x: x, y: yy, width: DisplayWidth.of(label), height: 1)
                g.put(label, x: x, y: yy, style: focused ? .focus : .title, clip: Rect(x: x, y: yy, width: width, height: 1))
                _ = r
            }
        }
    }
}
