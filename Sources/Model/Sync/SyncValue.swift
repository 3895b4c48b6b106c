import Foundation

/// One column's value on the district link's wire: JSON `null`, `true`/`false`, an integer, a string, or a flat
/// list of those (for example a case's protection concern ids).
///
/// A closed set instead of `Any`, so the kiosk (SQLite) and the server (PostgreSQL) read every value the same
/// way and a value can be compared for the three-way merge. Dates travel as ISO 8601 strings (`2026-03-02` for
/// a calendar date, `2026-03-02T09:00:00Z` for an instant), booleans as booleans (SQLite's 0/1 is converted at
/// the door), UUIDs as strings. Lists hold scalars only: a list inside a list is malformed, which also bounds
/// how deep a hostile document can make the decoder recurse.
public enum SyncValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    /// A flat list of scalars (never `.list` inside).
    case list([SyncValue])

    /// Decodes a JSON scalar or a flat list of scalars.
    /// - Throws: `DecodingError` for a fraction, an object, or a list inside a list (never traps).
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let scalar = try? Self.scalar(c) {
            self = scalar
        } else if let items = try? c.decode([Scalar].self) {
            self = .list(items.map(\.value))
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not null, a boolean, an integer, a string or a flat list of those")
        }
    }

    /// Encodes as the plain JSON value (`null`, `true`, `42`, `"text"`, `[...]`).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        case .list(let items): try c.encode(items)
        }
    }

    /// A scalar only: what a list may hold.
    private struct Scalar: Decodable {
        let value: SyncValue
        init(from decoder: Decoder) throws { value = try SyncValue.scalar(try decoder.singleValueContainer()) }
    }

    /// Reads null, a boolean, an integer or a string, in that order (a JSON `true` is never read as 1).
    private static func scalar(_ c: SingleValueDecodingContainer) throws -> SyncValue {
        if c.decodeNil() { return .null }
        if let b = try? c.decode(Bool.self) { return .bool(b) }
        if let i = try? c.decode(Int.self) { return .int(i) }
        return .string(try c.decode(String.self))
    }

    /// The value as JSON text, for messages and logs (`null`, `true`, `42`, `"text"`).
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .string(let s): return "\"\(s)\""
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// The string, when the value is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Bytes the value takes at most as UTF-8 text (strings counted by their UTF-8 length; a list by the sum of
    /// its items): what `SyncLimits.maxValueBytes` bounds.
    public var byteCount: Int {
        switch self {
        case .null, .bool: return 5
        case .int: return 20
        case .string(let s): return s.utf8.count
        case .list(let items): return items.reduce(0) { $0 + $1.byteCount }
        }
    }
}
