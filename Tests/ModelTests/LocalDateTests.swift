import Foundation
import Testing
@testable import Model

@Suite("LocalDate: date-only values that never move with time zones")
struct LocalDateTests {
    @Test("reads ISO and day-first dates", arguments: [
        ("2014-03-07", 2014, 3, 7), ("07/03/2014", 2014, 3, 7), (" 2028-02-29 ", 2028, 2, 29), ("1/1/2020", 2020, 1, 1),
    ])
    func parses(text: String, y: Int, m: Int, d: Int) throws {
        let date = try LocalDate.parse(text)
        #expect(date == LocalDate(year: y, month: m, day: d)!)
    }

    @Test("refuses days that do not exist", arguments: ["2026-02-31", "31/02/2026", "2027-02-29", "2026-13-01", "2026-00-10", "2026-04-31"])
    func noSuchDay(text: String) {
        #expect(throws: LocalDate.ParseError.noSuchDay) { try LocalDate.parse(text) }
    }

    @Test("year 0 is refused for its year, whatever the day and month", arguments: ["0000-01-01", "01/01/0000", "0000-02-30", "0000-13-01"])
    func yearZero(text: String) {
        #expect(throws: LocalDate.ParseError.noSuchYear) { try LocalDate.parse(text) }
    }

    @Test("refuses text that is not a date", arguments: ["", "yesterday", "2026/03", "12-03-26", "2026-03-07T10:00", "２０２６-01-01", "20260307", "-1/-1/2020"])
    func badFormat(text: String) {
        #expect(throws: LocalDate.ParseError.badFormat) { try LocalDate.parse(text) }
    }

    @Test func epochDaysRoundTrip() {
        for z in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(LocalDate(daysSinceEpoch: z).daysSinceEpoch == z)
        }
        #expect(LocalDate(year: 1970, month: 1, day: 1)!.daysSinceEpoch == 0)
        #expect(LocalDate(year: 2026, month: 3, day: 2)!.adding(days: -1) == LocalDate(year: 2026, month: 3, day: 1)!)
        #expect(LocalDate(year: 2028, month: 3, day: 1)!.adding(days: -1) == LocalDate(year: 2028, month: 2, day: 29)!)
    }

    @Test func fullYears() {
        let dob = LocalDate(year: 2016, month: 3, day: 2)!
        #expect(dob.fullYears(until: LocalDate(year: 2026, month: 3, day: 1)!) == 9)
        #expect(dob.fullYears(until: LocalDate(year: 2026, month: 3, day: 2)!) == 10)
        let baby = LocalDate(year: 2026, month: 1, day: 15)!
        #expect(ChildAge.born(baby).years(on: LocalDate(year: 2026, month: 3, day: 2)!) == 0)
        #expect(ChildAge.approximately(years: 7, recordedOn: LocalDate(year: 2024, month: 6, day: 1)!).years(on: LocalDate(year: 2026, month: 6, day: 1)!) == 9)
    }

    @Test("the calendar date of an instant depends only on the zone given, not the process TZ")
    func calendarDateOfInstant() {
        let instant = ISO8601.parse("2026-03-01T23:30:00Z")!
        #expect(LocalDate(instant, in: TimeZone(identifier: "UTC")!).iso == "2026-03-01")
        #expect(LocalDate(instant, in: TimeZone(identifier: "Asia/Jakarta")!).iso == "2026-03-02")
        #expect(LocalDate(instant, in: TimeZone(identifier: "America/Los_Angeles")!).iso == "2026-03-01")
    }

    @Test func codableIsISOText() throws {
        let d = LocalDate(year: 2019, month: 3, day: 7)!
        let data = try JSONEncoder().encode([d])
        #expect(String(decoding: data, as: UTF8.self) == "[\"2019-03-07\"]")
        #expect(try JSONDecoder().decode([LocalDate].self, from: data) == [d])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([LocalDate].self, from: Data("[\"2019-02-30\"]".utf8)) }
    }
}
