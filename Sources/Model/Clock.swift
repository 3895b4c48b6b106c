import Foundation

/// The one source of "now" (DESIGN.md §4). Tests and screenshots pin it; the kiosk uses the system time.
public struct Clock: Sendable {
    private let nowFunction: @Sendable () -> Date
    /// The zone used to turn instants into calendar dates (the kiosk's local zone).
    public let timeZone: TimeZone

    public init(timeZone: TimeZone = .current, now: @escaping @Sendable () -> Date) {
        self.nowFunction = now
        self.timeZone = timeZone
    }

    /// The system clock in the current time zone.
    public static let system = Clock { Date() }

    /// A clock stopped at `instant`.
    public static func fixed(_ instant: Date, timeZone: TimeZone = .current) -> Clock {
        Clock(timeZone: timeZone) { instant }
    }

    /// Reads `KINGA_NOW` (ISO 8601 with zone, for example `2026-03-02T09:00:00Z`) from `environment`.
    /// - Returns: a fixed clock when it is set and valid, the system clock when it is unset.
    /// - Throws: `ClockError.badNow` when it is set but unreadable (so a mistyped pin never silently uses real time).
    public static func fromEnvironment(_ environment: [String: String]) throws -> Clock {
        guard let text = environment["KINGA_NOW"], !text.isEmpty else { return .system }
        guard let date = ISO8601.parse(text) else { throw ClockError.badNow(text) }
        return .fixed(date)
    }

    public var now: Date { nowFunction() }
    /// Today's calendar date in the kiosk's zone.
    public var today: LocalDate { LocalDate(now, in: timeZone) }
}

public enum ClockError: Error, Equatable, CustomStringConvertible {
    case badNow(String)
    public var description: String {
        switch self {
        case .badNow(let s): return "KINGA_NOW is not an ISO 8601 time like 2026-03-02T09:00:00Z: \(s)"
        }
    }
}

/// UTC timestamps as ISO 8601 text, the form stored in the database (DESIGN.md §4).
///
/// Kinga's own form is fixed: `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds), so text order is time order.
/// It is formatted and read with integer arithmetic (thread-safe and fast on hot list queries);
/// other ISO 8601 forms (with an offset, without fractions) are read through Foundation's `ISO8601FormatStyle`.
public enum ISO8601 {
    /// `2026-03-02T09:00:00.000Z`.
    public static func format(_ date: Date) -> String {
        let totalMs = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let ms = Int(((totalMs % 1000) + 1000) % 1000)
        let secs = (totalMs - Int64(ms)) / 1000
        let days = Int(secs >= 0 ? secs / 86400 : (secs - 86399) / 86400)
        let rem = Int(secs - Int64(days) * 86400)
        let d = LocalDate(daysSinceEpoch: days)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year, d.month, d.day, rem / 3600, rem / 60 % 60, rem % 60, ms)
    }

    /// Reads ISO 8601 with or without fractional seconds, `Z` or an offset; nil when unreadable.
    public static func parse(_ text: String) -> Date? {
        if let d = parseCanonical(text) { return d }
        if let d = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return d }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }

    /// Fast path for Kinga's own stored form.
    static func parseCanonical(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count == 24, u[4] == 45, u[7] == 45, u[10] == 84, u[13] == 58, u[16] == 58, u[19] == 46, u[23] == 90 else { return nil }
        func num(_ a: Int, _ b: Int) -> Int? {
            var n = 0
            for i in a..<b {
                let c = u[i]
                guard c >= 48 && c <= 57 else { return nil }
                n = n * 10 + Int(c - 48)
            }
            return n
        }
        guard let y = num(0, 4), let mo = num(5, 7), let d = num(8, 10), let h = num(11, 13), let mi = num(14, 16),
              let s = num(17, 19), let ms = num(20, 23), h < 24, mi < 60, s < 61,
              let day = LocalDate(year: y, month: mo, day: d) else { return nil }
        let secs = Double(day.daysSinceEpoch) * 86400 + Double(h * 3600 + mi * 60 + s) + Double(ms) / 1000
        return Date(timeIntervalSince1970: secs)
    }
}
