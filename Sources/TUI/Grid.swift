import Model

/// What a cell means; the backend maps it to colours and attributes for the theme in use.
/// Colour is never the only carrier of meaning: focus also uses reverse video or a marker, risk is a word.
public enum Style: UInt8, Sendable, CaseIterable {
    case normal, muted, header, focus, selected, warning, danger, banner, title, field, success
}

/// A rectangle of the screen, in cells.
public struct Rect: Equatable, Sendable {
    public var x, y, width, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    /// The rectangle with `n` cells taken off each side.
    public func inset(_ dx: Int, _ dy: Int) -> Rect { Rect(x: x + dx, y: y + dy, width: width - 2 * dx, height: height - 2 * dy) }
    public func intersection(_ o: Rect) -> Rect {
        let nx = max(x, o.x), ny = max(y, o.y)
        return Rect(x: nx, y: ny, width: min(maxX, o.maxX) - nx, height: min(maxY, o.maxY) - ny)
    }
}

/// One terminal cell: a grapheme cluster and its display width (2 for wide, 0 for the continuation cell
/// of a wide glyph), with a semantic style.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var width: UInt8
    public var style: Style
    public static let blank = Cell(text: " ", width: 1, style: .normal)
    public static let continuation = Cell(text: "", width: 0, style: .normal)
}

/// Rows of cells: what a screen renders and a terminal draws.
///
/// Invariants (tested): every row has exactly `width` columns of display width; a wide glyph never starts
/// in the last column of its clip; overwriting either half of a wide glyph blanks both halves; control
/// characters and escape sequences are never stored (they are drawn as `�`); every cell holds what the
/// terminal is sent, one spacing character of exactly the cell's width and at most four zero-width ones
/// (`DisplayWidth.drawn`).
public struct Grid: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal cursor should be shown (a text field with focus), or nil to hide it.
    public var cursor: (x: Int, y: Int)? {
        get { cursorX.map { ($0, cursorY) } }
        set { cursorX = newValue?.x; cursorY = newValue?.y ?? 0 }
    }
    private var cursorX: Int?
    private var cursorY = 0

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public static func == (a: Grid, b: Grid) -> Bool {
        a.width == b.width && a.height == b.height && a.cells == b.cells && a.cursorX == b.cursorX && a.cursorY == b.cursorY
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell { cells[y * width + x] }

    /// Fills a rectangle with blanks of `style`.
    public mutating func fill(_ r: Rect, style: Style = .normal) {
        let c = r.intersection(bounds)
        guard c.width > 0, c.height > 0 else { return }
        for yy in c.y..<c.maxY {
            for xx in c.x..<c.maxX { set(xx, yy, Cell(text: " ", width: 1, style: style)) }
        }
    }

    /// Writes `text` at (x, y), clipped to `clip` (default: the whole grid). Each grapheme cluster becomes
    /// the cells `DisplayWidth.drawn` gives (so the grid holds exactly what the terminal is sent, with the
    /// width every common terminal gives it); unsafe characters become `�`, newlines and tabs spaces. A
    /// cluster that does not fit whole before the clip's right edge is not drawn: blanks fill to the edge.
    /// - Returns: the column just after the last cell written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .normal, clip: Rect? = nil) -> Int {
        let c = (clip ?? bounds).intersection(bounds)
        guard y >= c.y, y < c.maxY else { return x }
        var col = x
        for ch in text {
            if col >= c.maxX { break }
            if let a = ch.asciiValue, a >= 0x20, a < 0x7F {
                // The common case, without building glyphs.
                if col >= c.x { set(col, y, Cell(text: String(ch), width: 1, style: style)) }
                col += 1
                continue
            }
            let glyphs: [DisplayWidth.Glyph] = ch == "\n" || ch == "\t" || ch == "\r\n"
                ? [DisplayWidth.Glyph(" ", width: 1)] : DisplayWidth.drawn(ch)
            let w = glyphs.reduce(0) { $0 + $1.width }
            if w == 0 {
                // A zero-width cluster with no base: nothing to draw on its own.
                continue
            }
            if col < c.x { col += w; continue }
            if col + w > c.maxX {
                // A cluster never starts where it cannot end (a wide glyph in the last column): blanks instead.
                for xx in col..<c.maxX { set(xx, y, Cell(text: " ", width: 1, style: style)) }
                col = c.maxX
                break
            }
            for g in glyphs {
                set(col, y, Cell(text: g.text, width: UInt8(g.width), style: style))
                col += g.width
            }
        }
        return col
    }

    /// Sets the style of cells in a rectangle without changing their text (highlight a row).
    public mutating func restyle(_ r: Rect, _ style: Style) {
        let c = r.intersection(bounds)
        guard c.width > 0, c.height > 0 else { return }
        for yy in c.y..<c.maxY {
            for xx in c.x..<c.maxX { cells[yy * width + xx].style = style }
        }
    }

    /// Writes one cell, keeping wide-glyph halves consistent.
    private mutating func set(_ x: Int, _ y: Int, _ cell: Cell) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let i = y * width + x
        let old = cells[i]
        // Overwriting a continuation: blank the head to its left.
        if old.width == 0, x > 0 {
            cells[i - 1] = Cell(text: " ", width: 1, style: cells[i - 1].style)
        }
        // Overwriting a wide head: blank its continuation (unless the new cell is wide and covers it).
        if old.width == 2, x + 1 < width, cell.width != 2 {
            cells[i + 1] = Cell(text: " ", width: 1, style: cells[i + 1].style)
        }
        cells[i] = cell
        if cell.width == 2, x + 1 < width {
            // The next cell becomes our continuation; if it was a wide head, blank its continuation.
            if cells[i + 1].width == 2, x + 2 < width {
                cells[i + 2] = Cell(text: " ", width: 1, style: cells[i + 2].style)
            }
            cells[i + 1] = Cell(text: "", width: 0, style: cell.style)
        }
    }

    /// One row as text (continuation cells skipped), for tests and screenshots.
    public func row(_ y: Int) -> String {
        var s = ""
        for x in 0..<width { s += cells[y * width + x].text }
        return s
    }

    /// The whole grid as text, rows joined by newlines, trailing spaces kept.
    public var text: String { (0..<height).map(row).joined(separator: "\n") }

    /// True when the grid holds `s` anywhere on one row.
    public func contains(_ s: String) -> Bool { (0..<height).contains { row($0).contains(s) } }

    /// Display width of row `y` computed from its cells (must always equal `width`).
    public func rowWidth(_ y: Int) -> Int { (0..<width).reduce(0) { $0 + Int(cells[y * width + $1].width) } }

    /// Checks the grid's invariants; returns a description of the first broken one, or nil.
    public func invariantViolation() -> String? {
        for y in 0..<height {
            if rowWidth(y) != width { return "row \(y) is \(rowWidth(y)) columns wide, not \(width)" }
            for x in 0..<width {
                let c = cells[y * width + x]
                if c.width == 2 && (x + 1 >= width || cells[y * width + x + 1].width != 0) { return "wide glyph at \(x),\(y) has no continuation" }
                if c.width == 0 && (x == 0 || cells[y * width + x - 1].width != 2) { return "orphan continuation at \(x),\(y)" }
                if c.text.unicodeScalars.contains(where: TextSafety.isUnsafe) { return "unsafe character at \(x),\(y)" }
                if c.width > 0, let why = DisplayWidth.undrawable(c.text, width: Int(c.width)) { return "\(why) at \(x),\(y)" }
            }
        }
        return nil
    }
}
