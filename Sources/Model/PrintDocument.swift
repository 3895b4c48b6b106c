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
        /// Where a one-page document was cut (`cut(toFit:)`): the line saying the rest is in Kinga. Bold in
        /// PDF; its own paragraph in text.
        case cut(String)
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
    /// Set for a document that must fit one page (the case summary): what does not fit is left out and this
    /// line ("… see Kinga for the rest", in the reader's language) is printed where it was cut. Blocks come
    /// in order of importance, so what is left out is always the least important.
    public var cutNotice: String?

    /// A document; every text already in the reader's language.
    public init(title: String, subtitle: String, blocks: [Block], footer: String, reference: String = "", colon: String = ":",
                pageWord: String = "page {n}", cutNotice: String? = nil) {
        self.title = title
        self.subtitle = subtitle
        self.blocks = blocks
        self.footer = footer
        self.reference = reference
        self.colon = colon
        self.pageWord = pageWord
        self.cutNotice = cutNotice
    }

    /// This document cut to what `fits` accepts (for the PDF printer: "lays out on one page", measured with
    /// Pango), when it has a `cutNotice` and does not fit as it is; otherwise the document unchanged.
    ///
    /// Keeps the longest beginning that fits together with the cut line: whole blocks first, then as many
    /// whole items of the next list, or whole words of the next paragraph, field or notice, as still fit
    /// (ending "…"); a heading is never left last with nothing under it. The cut line is the last block.
    /// `fits` is called about 10 to 20 times (binary searches); it must say no to a longer beginning when it
    /// says no to a shorter one, as a layout from the top does.
    public func cut(toFit fits: (PrintDocument) -> Bool) -> PrintDocument {
        guard let notice = cutNotice, !fits(self) else { return self }
        func candidate(_ kept: [Block]) -> PrintDocument {
            var b = kept
            while case .heading? = b.last { b.removeLast() }
            var d = self
            d.blocks = b + [.cut(notice)]
            return d
        }
        /// The largest n in 0...limit for which `ok(n)` holds, given that ok is monotone (true, then false).
        func largest(_ limit: Int, _ ok: (Int) -> Bool) -> Int {
            var (lo, hi) = (0, limit + 1)
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if ok(mid) { lo = mid } else { hi = mid }
            }
            return lo
        }
        // The whole document does not fit, so neither does all of it with the cut line: at most count − 1 blocks.
        let whole = largest(blocks.count - 1) { fits(candidate(Array(blocks.prefix($0)))) }
        let kept = Array(blocks.prefix(whole))
        func words(_ text: String, _ make: @escaping (String) -> Block) -> Block? {
            let w = text.components(separatedBy: " ")
            let n = largest(w.count - 1) { fits(candidate(kept + [make(w.prefix($0).joined(separator: " ") + " …")])) }
            return n == 0 ? nil : make(w.prefix(n).joined(separator: " ") + " …")
        }
        let part: Block?
        switch blocks[whole] {
        case .list(let items):
            let n = largest(items.count - 1) { fits(candidate(kept + [.list(Array(items.prefix($0)))])) }
            part = n == 0 ? nil : .list(Array(items.prefix(n)))
        case .paragraph(let text): part = words(text) { .paragraph($0) }
        case .notice(let text): part = words(text) { .notice($0) }
        case .field(let label, let value): part = words(value) { .field(label: label, value: $0) }
        case .heading, .cut: part = nil
        }
        return candidate(kept + (part.map { [$0] } ?? []))
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
            case .cut(let line):
                out.append("")
                out += Self.wrap(line, width: width)
            }
        }
        out.append("")
        out += Self.wrap(footer, width: width)
        return out.joined(separator: "\n") + "\n"
    }

    /// `text` wrapped at `width` characters by `TextWrap.lines` (one column a character, as the printouts
    /// always counted), with runs of spaces read as one and none kept at either end; a word longer than the
    /// line is cut.
    static func wrap(_ text: String, width: Int) -> [String] {
        TextWrap.lines(text.split(separator: " ").joined(separator: " "), width: width) { _ in 1 }
    }
}
