import CPango
import Foundation
import Model

/// Writes a `PrintDocument` as a PDF (A4, 2 cm margins) through Pango and Cairo: text in any script is
/// shaped by HarfBuzz and set in the system's fonts (fontconfig: DejaVu Sans when installed), and a
/// document longer than a page continues on the next with the footer on every page.
public enum PDFPrinter {
    /// Why a PDF could not be written.
    public struct Failure: Error, CustomStringConvertible {
        /// The file that was being written.
        public let path: String
        /// Cairo's or the system's reason, in English.
        public let reason: String
        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
        public var description: String { "Could not write the PDF \(path): \(reason)" }
    }

    /// Page size in PostScript points (1/72 inch): A4, ISO 216.
    public static let pageWidth = 595.28, pageHeight = 841.89
    /// Margin in points (2 cm).
    public static let margin = 56.7

    /// Writes `doc` to `path` (replacing it). A document with a `cutNotice` is first cut to one page (`fitted`).
    /// - Throws: `Failure` with Cairo's reason (folder missing, disk full).
    public static func write(_ doc: PrintDocument, to path: String) throws {
        guard let surface = cairo_pdf_surface_create(path, pageWidth, pageHeight) else { throw Failure(path: path, reason: "no surface") }
        defer { cairo_surface_destroy(surface) }
        let fitted = fitted(doc)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, fitted.title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Kinga")
        guard render(fitted, on: surface) != nil else { throw Failure(path: path, reason: "no drawing context") }
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else { throw Failure(path: path, reason: String(cString: cairo_status_to_string(status))) }
    }

    /// How many A4 pages `doc` takes, laid out exactly as `write` lays it out (Pango measures every line), on
    /// a PDF surface that writes nothing; nil when Cairo cannot make one.
    public static func pages(_ doc: PrintDocument) -> Int? {
        guard let surface = cairo_pdf_surface_create(nil, pageWidth, pageHeight) else { return nil }
        defer { cairo_surface_destroy(surface) }
        let n = render(doc, on: surface)
        cairo_surface_finish(surface)
        return n
    }

    /// `doc` cut to one page when it has a `cutNotice` (`PrintDocument.cut(toFit:)`, measured by `pages`), so
    /// fitting is a property of the layout, not of how long a case happens to be; other documents unchanged.
    /// The text printout is made from the same fitted document, so both say the same.
    public static func fitted(_ doc: PrintDocument) -> PrintDocument {
        guard doc.cutNotice != nil else { return doc }
        return doc.cut { pages($0) == 1 }
    }

    /// Lays `doc` out on `surface`, page after page; returns the number of pages, or nil without a context.
    static func render(_ doc: PrintDocument, on surface: OpaquePointer) -> Int? {
        guard let cr = cairo_create(surface) else { return nil }
        defer { cairo_destroy(cr) }
        var page = Page(cr: cr, footer: doc.footer, reference: doc.reference, pageWord: doc.pageWord)
        page.text(doc.title, size: 16, bold: true)
        if !doc.subtitle.isEmpty { page.text(doc.subtitle, size: 10, grey: true) }
        page.space(6)
        page.rule()
        let labelWidth = min(190.0, (doc.blocks.compactMap { b -> Double? in
            if case .field(let l, _) = b { return page.measure(l + doc.colon, size: 9.5, bold: true) + 10 }
            return nil
        }.max() ?? 0))
        for b in doc.blocks {
            switch b {
            case .heading(let h):
                page.space(6)
                page.text(h, size: 11.5, bold: true, keepWithNext: 30)
                page.space(1)
            case .field(let label, let value):
                page.field(label + doc.colon, value, labelWidth: labelWidth)
            case .paragraph(let p):
                page.text(p, size: 9.5)
                page.space(2)
            case .list(let items):
                for i in items { page.text("•  " + i, size: 9, indent: 8) }
            case .notice(let n):
                page.space(4)
                page.text(n, size: 10.5, bold: true)
            case .cut(let line):
                page.space(6)
                page.text(line, size: 10, bold: true, grey: true)
            }
        }
        page.finish()
        return page.number
    }

    /// The pen on the current page: where the next line goes; a new page when it does not fit.
    struct Page {
        let cr: OpaquePointer
        let footer: String
        let reference: String
        let pageWord: String
        var number = 1
        var y = margin
        var width: Double { pageWidth - 2 * margin }
        var bottom: Double { pageHeight - margin - 6 }

        init(cr: OpaquePointer, footer: String, reference: String, pageWord: String) {
            self.cr = cr
            self.footer = footer
            self.reference = reference
            self.pageWord = pageWord
        }

        func layout(_ text: String, size: Double, bold: Bool, width: Double) -> OpaquePointer {
            let l = pango_cairo_create_layout(cr)!
            let font = pango_font_description_from_string("DejaVu Sans, Sans \(bold ? "Bold " : "")\(size)")
            pango_layout_set_font_description(l, font)
            pango_font_description_free(font)
            pango_layout_set_width(l, Int32(width * Double(kinga_pango_scale())))
            pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR)
            // Every paragraph in the document's direction (Kinga's languages are all written left to right),
            // never guessed from its first letter: Pango's default would lay "ليلى (Layla)" out right to left,
            // as "(Layla) ليلى", and a sentence starting with an Arabic name back to front. Inside the paragraph,
            // Unicode's bidi algorithm (through FriBidi) still runs each Arabic or Hebrew stretch right to left,
            // so the page shows the order the screen and the text printout show (issue #15).
            pango_layout_set_auto_dir(l, 0)
            pango_context_set_base_dir(pango_layout_get_context(l), PANGO_DIRECTION_LTR)
            pango_layout_context_changed(l)
            pango_layout_set_text(l, text, -1)
            return l
        }

        func height(_ l: OpaquePointer) -> Double {
            var w: Int32 = 0, h: Int32 = 0
            pango_layout_get_size(l, &w, &h)
            return Double(h) / Double(kinga_pango_scale())
        }

        func measure(_ text: String, size: Double, bold: Bool) -> Double {
            let l = layout(text, size: size, bold: bold, width: pageWidth)
            defer { kinga_g_object_unref(UnsafeMutableRawPointer(l)) }
            var w: Int32 = 0, h: Int32 = 0
            pango_layout_get_size(l, &w, &h)
            return Double(w) / Double(kinga_pango_scale())
        }

        mutating func newPageIfNeeded(_ needed: Double) {
            if y + needed > bottom && y > margin { nextPage() }
        }

        mutating func nextPage() {
            drawFooter()
            cairo_show_page(cr)
            number += 1
            y = margin
        }

        /// The confidentiality line, and the reference with the page number at the right.
        func drawFooter() {
            let pageText = (reference.isEmpty ? "" : reference + " · ") + pageWord.replacingOccurrences(of: "{n}", with: String(number))
            let right = layout(pageText, size: 8, bold: false, width: 150)
            defer { kinga_g_object_unref(UnsafeMutableRawPointer(right)) }
            pango_layout_set_alignment(right, PANGO_ALIGN_RIGHT)
            let l = layout(footer, size: 8, bold: false, width: pageWidth - 2 * margin - 160)
            defer { kinga_g_object_unref(UnsafeMutableRawPointer(l)) }
            cairo_set_source_rgb(cr, 0.35, 0.35, 0.35)
            cairo_move_to(cr, margin, pageHeight - margin)
            pango_cairo_show_layout(cr, l)
            cairo_move_to(cr, pageWidth - margin - 150, pageHeight - margin)
            pango_cairo_show_layout(cr, right)
            cairo_set_source_rgb(cr, 0, 0, 0)
        }

        /// Sets text across the page; a paragraph taller than what is left is split line by line.
        mutating func text(_ s: String, size: Double, bold: Bool = false, grey: Bool = false, indent: Double = 0, keepWithNext: Double = 0) {
            let l = layout(s, size: size, bold: bold, width: width - indent)
            defer { kinga_g_object_unref(UnsafeMutableRawPointer(l)) }
            newPageIfNeeded(min(height(l), 40) + keepWithNext)
            if grey { cairo_set_source_rgb(cr, 0.35, 0.35, 0.35) }
            let lines = pango_layout_get_line_count(l)
            for i in 0..<lines {
                guard let line = pango_layout_get_line_readonly(l, i) else { continue }
                var ink = PangoRectangle(), logical = PangoRectangle()
                pango_layout_line_get_extents(line, &ink, &logical)
                let h = Double(logical.height) / Double(kinga_pango_scale())
                if y + h > bottom { nextPage(); if grey { cairo_set_source_rgb(cr, 0.35, 0.35, 0.35) } }
                let baseline = Double(-logical.y) / Double(kinga_pango_scale())
                cairo_move_to(cr, margin + indent, y + baseline)
                pango_cairo_show_layout_line(cr, line)
                y += h
            }
            cairo_set_source_rgb(cr, 0, 0, 0)
        }

        /// A label in bold and its value beside it, wrapping under the value column.
        mutating func field(_ label: String, _ value: String, labelWidth: Double) {
            let v = layout(value.isEmpty ? "—" : value, size: 9.5, bold: false, width: width - labelWidth)
            defer { kinga_g_object_unref(UnsafeMutableRawPointer(v)) }
            let lab = layout(label, size: 9.5, bold: true, width: labelWidth - 6)
            defer { kinga_g_object_unref(UnsafeMutableRawPointer(lab)) }
            // A value on one line is not given a width, so it starts at the value column whatever its script
            // (an Arabic name stays beside its label).
            if pango_layout_get_line_count(v) == 1 { pango_layout_set_width(v, -1) }
            let h = max(height(v), height(lab))
            newPageIfNeeded(h)
            cairo_move_to(cr, margin, y)
            pango_cairo_show_layout(cr, lab)
            cairo_move_to(cr, margin + labelWidth, y)
            pango_cairo_show_layout(cr, v)
            y += h + 1
        }

        mutating func space(_ points: Double) { y += points }

        mutating func rule() {
            cairo_set_line_width(cr, 0.6)
            cairo_move_to(cr, margin, y)
            cairo_line_to(cr, pageWidth - margin, y)
            cairo_stroke(cr)
            y += 8
        }

        mutating func finish() {
            drawFooter()
            cairo_show_page(cr)
        }
    }
}
