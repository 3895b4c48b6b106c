import Foundation

/// The short code a district server gives a kiosk when it enrols (issue #18): `K07`, `K123`, `KAB1`.
///
/// Shape: the letter `K` followed by 2 to 4 ASCII capital letters or digits (3 to 5 characters in all).
/// Text is read case-insensitively and kept in capitals, so `k07` and `K07` are the same kiosk. The shape keeps
/// the code short on a printed case number (`KG-2026-K07-0042`), never confusable with a year (a year has no
/// letter) or a serial (a serial is digits only), and safe in a file name, a URL and a JSON key.
/// The server hands out codes; this type only says whether a text is shaped like one.
public struct KioskCode: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// The code in capitals, for example `K07`.
    public let rawValue: String

    /// Fewest and most characters after the leading `K`.
    public static let tailLength = 2...4

    /// Reads a kiosk code; nil unless `rawValue` is `K` + 2–4 ASCII letters or digits (any case).
    public init?(rawValue: String) {
        let up = rawValue.uppercased()
        guard up.first == "K", Self.tailLength.contains(up.count - 1),
              up.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) }) else { return nil }
        self.rawValue = up
    }

    /// Same as `init?(rawValue:)`.
    public init?(_ text: String) { self.init(rawValue: text) }

    /// The code as text.
    public var description: String { rawValue }

    /// Alphabetical order of the codes.
    public static func < (a: KioskCode, b: KioskCode) -> Bool { a.rawValue < b.rawValue }

    /// Decodes a JSON string; a string that is not shaped like a kiosk code is a decoding error (never a trap).
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let code = KioskCode(rawValue: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a kiosk code (K + 2–4 letters or digits)")
        }
        self = code
    }

    /// Encodes as a JSON string (`"K07"`).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
