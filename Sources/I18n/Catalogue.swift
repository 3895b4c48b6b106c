import CGettextPO
import Foundation

/// Messages of one language, read from gettext catalogues.
///
/// Kinga's catalogues are standard gettext files that translators edit with any PO editor (Poedit, Weblate,
/// a text editor), never Swift: `locales/templates/*.pot` holds the English source text, `locales/<code>/*.po`
/// a translation. Every message is named by its `msgctxt` (a stable key such as `home.title`); `msgid` is the
/// English text the translator translates, and `msgstr` the translation. Placeholders are written `{name}`.
/// Files are parsed by GNU gettext's libgettextpo (never by hand).
public struct Catalogue: Sendable {
    /// Language code from the folder name ("en" for the templates, "id", "fr").
    public let code: String
    /// Key (msgctxt) → text shown to users. Fuzzy and empty translations are left out.
    public private(set) var messages: [String: String] = [:]
    /// Key → English source (msgid) the translation was made from.
    public private(set) var sources: [String: String] = [:]
    /// Keys whose translation is marked fuzzy (needs review) or empty: not shown, English is used instead.
    public private(set) var untranslated: Set<String> = []
    /// Header fields of the first file read (for example "Language", "X-Kinga-Review").
    public private(set) var headers: [String: String] = [:]
    /// Files read, in order.
    public private(set) var files: [String] = []

    public init(code: String) { self.code = code }

    private static let parserLock = NSLock()

    /// Reads one .po or .pot file into this catalogue.
    /// - Parameter template: true for the English templates, where `msgid` itself is the text.
    /// - Throws: `CatalogueError.unreadable` with libgettextpo's first message (file, line, what is wrong),
    ///   `CatalogueError.noKey` for a message without a `msgctxt`, `CatalogueError.duplicateKey`.
    public mutating func read(file: String, template: Bool) throws {
        // libgettextpo's parser keeps global state: one file at a time in the whole process.
        Self.parserLock.lock()
        defer { Self.parserLock.unlock() }
        var error = [CChar](repeating: 0, count: 512)
        guard let po = kinga_po_read(file, &error, error.count) else {
            throw CatalogueError.unreadable(file: file, reason: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { po_file_free(po) }
        if headers.isEmpty, let header = po_file_domain_header(po, nil) {
            for line in String(cString: header).split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[String(line[..<colon]).trimmingCharacters(in: .whitespaces)] =
                    String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            }
        }
        files.append(file)
        guard let iterator = po_message_iterator(po, nil) else { return }
        defer { po_message_iterator_free(iterator) }
        while let message = po_next_message(iterator) {
            if po_message_is_obsolete(message) != 0 { continue }
            let msgid = String(cString: po_message_msgid(message))
            if msgid.isEmpty { continue }  // the header entry
            guard let ctxt = po_message_msgctxt(message) else { throw CatalogueError.noKey(file: file, msgid: msgid) }
            let key = String(cString: ctxt)
            if sources[key] != nil { throw CatalogueError.duplicateKey(file: file, key: key) }
            sources[key] = msgid
            let msgstr = String(cString: po_message_msgstr(message))
            if template {
                messages[key] = msgid
            } else if msgstr.isEmpty || po_message_is_fuzzy(message) != 0 {
                untranslated.insert(key)
            } else {
                messages[key] = msgstr
            }
        }
    }

    /// True unless the header says a native speaker has not reviewed the catalogue yet
    /// (`X-Kinga-Review: not reviewed by a native speaker`).
    public var reviewed: Bool {
        !(headers["X-Kinga-Review"] ?? "").lowercased().contains("not reviewed")
    }
}

/// Why a catalogue could not be used.
public enum CatalogueError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case noKey(file: String, msgid: String)
    case duplicateKey(file: String, key: String)

    public var description: String {
        switch self {
        case .unreadable(let f, let r): return "Kinga could not read the translation file \(f): \(r)"
        case .noKey(let f, let m): return "In \(f), the message \"\(m.prefix(40))\" has no msgctxt key."
        case .duplicateKey(let f, let k): return "In \(f), the key \(k) appears twice."
        }
    }
}
