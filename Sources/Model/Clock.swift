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
public enum ISO8601 {
    /// `2026-03-02T09:00:00.000Z`: always UTC, millisecond precision, sorts as text.
    public static func format(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }

    /// Reads ISO 8601 with or without fractional seconds; nil when unreadable.
    public static func parse(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }
}
