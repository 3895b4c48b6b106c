import Foundation

/// A calendar date with no time and no time zone: a date of birth, a due date, the day something happened.
///
/// Date-only values must never shift with the reader's time zone (DESIGN.md §4), so Kinga keeps them as
/// year, month and day and stores them as ISO 8601 `YYYY-MM-DD` text. Arithmetic uses the proleptic
/// Gregorian calendar in UTC, which has no daylight-saving gaps.
public struct LocalDate: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Why a typed date was refused.
    public enum ParseError: Error, Equatable, Sendable {
        /// Not in a shape Kinga reads (`YYYY-MM-DD` or `DD/MM/YYYY`).
        case badFormat
        /// Shaped like a date but not a day that exists (31 February, 29 February 2027, month 13).
        case noSuchDay
        /// The year 0000: the calendar goes from 1 BC straight to AD 1, so no day of it exists, whatever the
        /// day and month say.
        case noSuchYear
    }

    /// Creates a date, or returns nil when the day does not exist (for example 2027-02-29 or year 0).
    /// - Parameters: year 1...9999, month 1...12, day 1...31 (checked against the month's real length).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= LocalDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses what a person typed: `2014-03-07` (ISO 8601) or `07/03/2014` (day first, as on most forms in
    /// Indonesia and Zambia). Surrounding spaces are ignored.
    /// - Throws: `ParseError.badFormat`, `ParseError.noSuchYear` (year 0) or `ParseError.noSuchDay`.
    public static func parse(_ text: String) throws -> LocalDate {
        let t = text.trimmingCharacters(in: .whitespaces)
        let parts: [Substring]
        let ymd: Bool
        if t.contains("-") {
            parts = t.split(separator: "-", omittingEmptySubsequences: false)
            ymd = true
        } else if t.contains("/") {
            parts = t.split(separator: "/", omittingEmptySubsequences: false)
            ymd = false
        } else {
            throw ParseError.badFormat
        }
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isASCIIDigitChar) }),
              let a = Int(parts[0]), let b = Int(parts[1]), let c = Int(parts[2]) else {
            throw ParseError.badFormat
        }
        let (y, m, d) = ymd ? (a, b, c) : (c, b, a)
        guard (ymd ? parts[0].count : parts[2].count) == 4 else { throw ParseError.badFormat }
        guard y != 0 else { throw ParseError.noSuchYear }
        guard let date = LocalDate(year: y, month: m, day: d) else { throw ParseError.noSuchDay }
        return date
    }

    /// Reads a stored ISO value (`YYYY-MM-DD`); nil when it is not one.
    public init?(iso: String) {
        guard iso.count == 10, let d = try? LocalDate.parse(iso), iso.contains("-") else { return nil }
        self = d
    }

    /// The ISO 8601 form stored in the database: `YYYY-MM-DD`.
    public var iso: String { String(format: "%04d-%02d-%02d", year, month, day) }
    public var description: String { iso }

    /// The calendar date of an instant as seen in `timeZone` (the kiosk's zone, from the clock).
    public init(_ instant: Date, in timeZone: TimeZone) {
        self = LocalDate.wallClock(instant, in: timeZone).date
    }

    /// The wall-clock date, hour and minute of an instant in `timeZone` (offset from the zone's rules,
    /// daylight saving included). Pure arithmetic: safe to call from any thread.
    public static func wallClock(_ instant: Date, in timeZone: TimeZone) -> (date: LocalDate, hour: Int, minute: Int) {
        let local = Int((instant.timeIntervalSince1970).rounded(.down)) + timeZone.secondsFromGMT(for: instant)
        let days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        let rem = local - days * 86400
        return (LocalDate(daysSinceEpoch: days), rem / 3600, rem / 60 % 60)
    }

    /// The instant this day starts in `timeZone` (local midnight; the first instant of the day where a
    /// time-zone change skips midnight).
    public func startOfDay(in timeZone: TimeZone) -> Date {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let comps = DateComponents(year: year, month: month, day: day)
        return cal.date(from: comps).map { cal.startOfDay(for: $0) } ?? Date(timeIntervalSince1970: Double(daysSinceEpoch) * 86_400)
    }

    /// ISO 8601 weekday: 1 = Monday ... 7 = Sunday (1970-01-01 was a Thursday).
    public var weekday: Int { ((daysSinceEpoch % 7) + 7 + 3) % 7 + 1 }

    /// Days since 1970-01-01 (negative before). Used for arithmetic that must not see time zones.
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil algorithm (public domain), proleptic Gregorian.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The date `days` days later (earlier when negative).
    public func adding(days: Int) -> LocalDate {
        LocalDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    /// Inverse of `daysSinceEpoch` (Hinnant's civil_from_days).
    public init(daysSinceEpoch z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// Whole years completed from `self` (a birth date) to `today`; 0 for a baby under one year.
    public func fullYears(until today: LocalDate) -> Int {
        var years = today.year - year
        if (today.month, today.day) < (month, day) { years -= 1 }
        return years
    }

    /// Number of days in a month of the Gregorian calendar.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Gregorian leap-year rule.
    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func < (a: LocalDate, b: LocalDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let d = LocalDate(iso: s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a YYYY-MM-DD date: \(s)"))
        }
        self = d
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso)
    }
}

extension Character {
    var isASCIIDigitChar: Bool { isASCII && isNumber }
}
