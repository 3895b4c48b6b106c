import Foundation

/// What the case list shows: the words typed in search, the filters and the order (issue #6).
///
/// A pure value: Storage turns it into one keyset-paginated query, the screen keeps it while the user moves
/// between the list and a case.
public struct CaseQuery: Hashable, Sendable {
    /// What was typed after `/` (empty: no search). See `SearchTerms` for how it is read.
    public var text: String
    public var filter: CaseFilter
    /// The column the list is ordered by. While searching, `nil` means "best matches first".
    public var sort: CaseSort?
    /// Reverses the column's natural order (`CaseSort.naturalOrderIsAscending`).
    public var reversed: Bool

    public init(text: String = "", filter: CaseFilter = CaseFilter(), sort: CaseSort? = nil, reversed: Bool = false) {
        self.text = text
        self.filter = filter
        self.sort = sort
        self.reversed = reversed
    }

    /// The parsed search words.
    public var terms: SearchTerms { SearchTerms(text) }
    /// True when something was typed that can be searched.
    public var isSearch: Bool { !terms.isEmpty }
    /// The order actually used: best matches while searching without a chosen column, else the column
    /// (newest activity when nothing was chosen).
    public var effectiveSort: CaseSort? { isSearch ? sort : (sort ?? .lastActivity) }
}

/// Columns the case list can be ordered by, each with its natural direction.
public enum CaseSort: String, CaseIterable, Hashable, Sendable {
    /// Newest activity first (the default list).
    case lastActivity
    /// Newest case number first.
    case caseNumber
    /// Child's name, A to Z (folded: accents and case ignored).
    case childName
    /// Village, A to Z (folded).
    case village
    /// Urgent first, then high, medium, low, not assessed.
    case risk
    /// Open first, then transferred, closed, duplicate (newest activity first within each).
    case status

    /// True when the column reads naturally from small to large (names A–Z); false for newest or most
    /// serious first.
    public var naturalOrderIsAscending: Bool {
        switch self {
        case .childName, .village: return true
        case .lastActivity, .caseNumber, .risk, .status: return false
        }
    }
}

/// Narrowing the case list. Every filter left `nil`/`false` lets all cases through; set filters combine
/// with AND, and with the search words.
public struct CaseFilter: Hashable, Sendable {
    /// Only cases with this status.
    public var status: CaseStatus?
    /// Only cases at this risk level; `.notAssessed` for cases without an assessment yet.
    public var risk: RiskFilter?
    /// `true`: only urgent cases (immediate danger); `false`: only cases not flagged urgent.
    public var urgent: Bool?
    /// Only cases with this protection concern (a profile concern id).
    public var concern: String?
    /// Only cases from this village (compared folded: "Kásama" = "kasama").
    public var village: String?
    /// Who the case is assigned to.
    public var assignee: AssigneeFilter?
    /// Only open cases that need action now: a follow-up due today or earlier, or no first action within
    /// the profile's deadline (the same rules as "Due today").
    public var overdueOnly: Bool

    public init(status: CaseStatus? = nil, risk: RiskFilter? = nil, urgent: Bool? = nil, concern: String? = nil,
                village: String? = nil, assignee: AssigneeFilter? = nil, overdueOnly: Bool = false) {
        self.status = status
        self.risk = risk
        self.urgent = urgent
        self.concern = concern
        self.village = village
        self.assignee = assignee
        self.overdueOnly = overdueOnly
    }

    /// True when no filter is set.
    public var isEmpty: Bool { self == CaseFilter() }
}

/// A risk level to filter on, including "not assessed yet".
public enum RiskFilter: Hashable, Sendable {
    case level(RiskLevel)
    case notAssessed
}

/// Whose cases to show.
public enum AssigneeFilter: Hashable, Sendable {
    /// Cases assigned to this user.
    case user(UUID)
    /// Cases nobody has taken yet (the intake queue).
    case nobody
}

/// Search words as Kinga reads them: lower-cased and split at anything that is not a letter or a digit
/// (the same rule as SQLite's `unicode61` tokenizer, which then also ignores accents, so "José" = "jose"),
/// each word matching the start of a word in the case (a prefix).
///
/// A query that looks like a case number (`KG-2026-0042`, `2026-0042`, `0042` or `42`) also finds that
/// case directly, ranked first.
public struct SearchTerms: Hashable, Sendable {
    /// Lower-case words (NFC), in the order typed, without repeats; at most `maxWords`.
    public let words: [String]
    /// The case number typed, when the query looks like one: year (nil: any year) and serial.
    public let caseNumber: (year: Int?, serial: Int)?

    /// More words than this are ignored (a paste of a whole paragraph must not build a huge query).
    public static let maxWords = 8
    /// Longer words are cut to this many characters (no name or village is longer).
    public static let maxWordLength = 40

    public init(_ text: String) {
        var seen = Set<String>()
        var out: [String] = []
        var clean = TextSafety.nfc(TextSafety.clean(text, multiline: false).lowercased())
        // "KG-…": the prefix is on every case, so as a search word it would only cost time.
        let prefix = CaseNumber.prefix.lowercased() + "-"
        if clean.trimmingCharacters(in: .whitespaces).hasPrefix(prefix) {
            clean = String(clean.trimmingCharacters(in: .whitespaces).dropFirst(prefix.count))
        }
        for w in clean.split(whereSeparator: { !($0.isLetter || $0.isNumber) }) {
            let word = String(w.prefix(Self.maxWordLength))
            if seen.insert(word).inserted { out.append(word) }
            if out.count == Self.maxWords { break }
        }
        words = out
        caseNumber = Self.parseCaseNumber(text)
    }

    public var isEmpty: Bool { words.isEmpty }

    public static func == (a: SearchTerms, b: SearchTerms) -> Bool {
        a.words == b.words && a.caseNumber?.year == b.caseNumber?.year && a.caseNumber?.serial == b.caseNumber?.serial
    }

    public func hash(into h: inout Hasher) {
        h.combine(words)
        h.combine(caseNumber?.year)
        h.combine(caseNumber?.serial)
    }

    /// `KG-2026-0042` → (2026, 42); `2026-0042` → (2026, 42); `0042` or `42` → (nil, 42); else nil.
    static func parseCaseNumber(_ text: String) -> (year: Int?, serial: Int)? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let n = CaseNumber(t) { return (n.year, n.serial) }
        let parts = t.split(separator: "-", omittingEmptySubsequences: false)
        let digits: (Substring) -> Int? = { p in
            guard !p.isEmpty, p.count <= 9, p.allSatisfy(\.isASCIIDigitChar) else { return nil }
            return Int(p)
        }
        if parts.count == 2, let y = digits(parts[0]), let s = digits(parts[1]), (1000...9999).contains(y), s > 0 { return (y, s) }
        if parts.count == 1, let s = digits(parts[0]), s > 0 { return (nil, s) }
        return nil
    }
}
