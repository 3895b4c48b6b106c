import Foundation

/// A printout (referral slip, one-page case summary): words already in the reader's language, laid out
/// as plain text here and as PDF by the `Printing` module, so both say exactly the same.
public struct PrintDocument: Hashable, Sendable {
    /// One part of the page, top to bottom.
    public enum Block: Hashable, Sendable {
        /// A section heading (bold in PDF, underlined in text).
        case heading(String)
        /// A label and its value on one line ("Child:  Amani"); long values wrap under the value column.
        case field(label: String, value: String)
        /// Running text (a reason, a narrative); blank lines in it are kept.
        case paragraph(String)
        /// Bulleted lines.
        case list([String])
        /// Emphasised text (urgent, a warning): bold in PDF; its own paragraph starting with "! " in text.
        case notice(String)
    }

    /// The document's name ("Referral slip"), at the top in large type.
    public var title: String
    /// Under the title: case number, date made.
    public var subtitle: String
    /// The body, top to bottom.
    public var blocks: [Block]
    /// The last line of every page (confidentiality).
    public var footer: String
    /// What the pages are about (the case number): printed with the page number at the foot of every PDF page,
    /// so pages that come apart can be put back together.
    public var reference: String
    /// Between a label and its value: ":" in English, " :" in French.
    public var colon: String
    /// "page {n}" in the reader's language (`{n}` is replaced).
    public var pageWord: String

    /// A document; every text already in the reader's language.
    public init(title: String, subtitle: String, blocks: [Block], footer: String, reference: String = "", colon: String = ":",
                pageWord: String = "page {n}") {
        self.title = title
        self.subtitle = subtitle
        self.blocks = blocks
        self.footer = footer
        self.reference = reference
        self.colon = colon
        self.pageWord = pageWord
    }

    /// The document as plain UTF-8 text, wrapped at `width` characters (72: a printed page at 10 cpi), with
    /// a newline at the end. Names in any script are kept as typed.
    public func plainText(width: Int = 72) -> String {
        var out: [String] = [title, String(repeating: "=", count: min(width, max(8, title.count)))]
        if !subtitle.isEmpty { out.append(subtitle) }
        let labelWidth = min(22, (blocks.compactMap { if case .field(let l, _) = $0 { return l.count + colon.count + 1 }; return nil }.max() ?? 0))
        for b in blocks {
            switch b {
            case .heading(let h):
                out.append("")
                out.append(h)
                out.append(String(repeating: "-", count: min(width, max(4, h.count))))
            case .field(let label, let value):
                let head = (label + colon).padding(toLength: max(labelWidth, label.count + colon.count + 1), withPad: " ", startingAt: 0)
                let lines = Self.wrap(value, width: max(10, width - head.count))
                out.append(head + (lines.first ?? ""))
                for l in lines.dropFirst() { out.append(String(repeating: " ", count: head.count) + l) }
            case .paragraph(let p):
                for (i, part) in p.components(separatedBy: "\n").enumerated() {
                    if i > 0 && part.isEmpty { out.append(""); continue }
                    out += Self.wrap(part, width: width)
                }
            case .list(let items):
                for item in items {
                    let lines = Self.wrap(item, width: width - 2)
                    out.append("• " + (lines.first ?? ""))
                    for l in lines.dropFirst() { out.append("  " + l) }
                }
            case .notice(let n):
                out.append("")
                out += Self.wrap("! " + n, width: width)
            }
        }
        out.append("")
        out += Self.wrap(footer, width: width)
        return out.joined(separator: "\n") + "\n"
    }

    /// Greedy word wrap by characters; a word longer than the line is cut.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [text] }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            var w = String(word)
            while w.count > width {
                if !line.isEmpty { lines.append(line); line = "" }
                lines.append(String(w.prefix(width)))
                w = String(w.dropFirst(width))
            }
            if line.isEmpty { line = w } else if line.count + 1 + w.count <= width { line += " " + w } else { lines.append(line); line = w }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }
}
