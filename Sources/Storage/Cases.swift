import Foundation
import GRDB
import Model
import Vault

extension KingaStore {
    // MARK: - Cases

    /// Registers a case from a complete guided report, with its first timeline events, and removes the draft,
    /// all in one transaction.
    ///
    /// Saving is idempotent per draft: a second call with the same `draftID` (Enter pressed twice, a retry
    /// after a crash) returns the case already created instead of creating another.
    /// - Parameters:
    ///   - report: the answers; must pass `ReportValidation` for `.review`.
    ///   - draftID: the draft this report was typed into.
    ///   - receivedAt: when the report was received (defaults to now).
    /// The session's user (`actor`) is recorded as the one who took the report.
    /// - Returns: the case.
    /// - Throws: `StoreError.invalidReport` listing the missing fields; `StoreError.accessDenied` (audited) when
    ///   nobody is logged in or the user may not create reports; database errors.
    @discardableResult
    public func registerCase(from report: Report, draftID: UUID, receivedAt: Date? = nil,
                             status: CaseStatus = .open, assignedTo: UUID? = nil) throws -> CaseRecord {
        let now = clock.now
        let today = clock.today
        let problems = ReportValidation.issues(for: .review, in: report, today: today)
        guard problems.isEmpty else { throw StoreError.invalidReport(problems.keys.sorted { $0.rawValue < $1.rawValue }) }
        guard let age = ReportValidation.childAge(of: report, today: today) else { throw StoreError.invalidReport([.approximateAge]) }
        let clean = Self.cleaned(report)
        let received = receivedAt ?? now
        let me = try sessionUser("report.create")
        if !me.can(.createReport, demo: isDemo) {
            try auditAlone(actor: me.name, action: "access.denied", detail: "report.create")
            throw StoreError.accessDenied
        }
        return try door { db in
            let sourceDraft: String? = draftID.uuidString
            if let existingID = try String.fetchOne(db, sql: "SELECT id FROM case_record WHERE source_draft_id = ?",
                                                   arguments: [draftID.uuidString]),
               let existing = try Self.fetchCase(db, id: existingID) {
                // The same answers again (Enter pressed twice, a retry): the case already saved.
                if existing.report == clean { return existing }
                // Different answers under a draft that is already a case (a stale session on another terminal):
                // never a second case; the person is told where the report went (issue #14).
                throw StoreError.draftSavedAsCase(existing.number)
            }
            let id = try insertCase(db, clean, age: age, received: received, status: status, assignedTo: assignedTo,
                                    source: "intake", sourceDraft: sourceDraft)
            for fact in EventFact.intake(clean) {
                try insertEvent(db, caseID: id, at: received, fact: fact, author: me.name, intake: true)
            }
            try db.execute(sql: "DELETE FROM draft WHERE id = ?", arguments: [draftID.uuidString])
            guard let saved = try Self.fetchCase(db, id: id.uuidString) else { throw StoreError.notFound }
            return saved
        }
    }

    /// Inserts a case row, its number and its concerns (no events) inside `db`'s transaction.
    /// - Parameters: `age` nil when nobody knows it (a child-friendly report); `source` "intake" or "child_friendly".
    /// - Returns: the new case's id.
    private func insertCase(_ db: Database, _ clean: Report, age: ChildAge?, received: Date, status: CaseStatus, assignedTo: UUID?,
                            source: String, sourceDraft: String?) throws -> UUID {
        let now = clock.now
        let json = try Self.encode(clean)
        let year = LocalDate(received, in: clock.timeZone).year
        let serial = (try Int.fetchOne(db, sql: "SELECT last_serial FROM case_counter WHERE year = ?", arguments: [year]) ?? 0) + 1
        try db.execute(sql: "INSERT INTO case_counter(year, last_serial) VALUES (?, ?) ON CONFLICT(year) DO UPDATE SET last_serial = excluded.last_serial",
                       arguments: [year, serial])
        // After the kiosk joined a district its numbers carry its code (issue #18), unique district-wide.
        let number = CaseNumber(year: year, kiosk: try Self.kioskCode(db), serial: serial)
        let id = UUID()
        var dob: String?
        var approx: Int?
        var recordedOn: String?
        switch age {
        case nil: break
        case .born(let d)?: dob = d.iso
        case .approximately(let y, let on)?: approx = y; recordedOn = on.iso
        }
        let urgent = clean.inDangerNow == true
        let nowText = ISO8601.format(now)
        try db.execute(sql: """
            INSERT INTO case_record(id, case_number, number_year, number_serial, device_id, version, created_at,
                updated_at, last_activity_at, status, urgent, risk_level, child_name, sex, date_of_birth, approx_age,
                age_recorded_on, village, caregiver, report_json, source_draft_id)
            VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id.uuidString, number.description, year, serial, deviceID.uuidString, nowText, nowText,
                             ISO8601.format(received), status.rawValue, urgent, clean.childName, (clean.sex ?? .unknown).rawValue,
                             dob, approx, recordedOn, clean.village, clean.caregiver, json, sourceDraft])
        try db.execute(sql: "UPDATE case_record SET name_key = ?, village_key = ?, assigned_to = ?, source = ? WHERE id = ?",
                       arguments: [DuplicateRule.key(clean.childName), DuplicateRule.key(clean.village), assignedTo?.uuidString, source, id.uuidString])
        for (i, c) in clean.concerns.enumerated() {
            try db.execute(sql: "INSERT OR IGNORE INTO case_concern(case_id, concern, position) VALUES (?, ?, ?)",
                           arguments: [id.uuidString, c, i])
        }
        return id
    }

    /// Saves what a child told Kinga in the child-friendly session as a new case in the intake queue: nobody
    /// is assigned, every focal point sees it on "Due today" until one takes it, and the timeline says it
    /// came from a child-friendly session. Needs no login and returns nothing that could be shown: that
    /// session may create a report, never read one. Audited as "child-friendly session".
    /// - Parameters: `report` from `ChildReport.report(narrative:)`; validation is not applied (every answer
    ///   is optional for a child), only the text cleaning and length limits of every report.
    /// - Throws: database errors (what the child typed stays on their screen).
    public func registerChildReport(_ report: Report, language: String) throws {
        try registerChildReport(report, language: language, madeAt: clock.now) { _ in }
    }

    /// `registerChildReport` for a report made earlier (`madeAt`: a report from the sealed inbox, issue #17), with
    /// `also` run in the same transaction.
    func registerChildReport(_ report: Report, language: String, madeAt now: Date, also: (Database) throws -> Void) throws {
        let clean = Self.cleaned(report)
        let actor = Self.childSessionActor
        try door(.kiosk(actor)) { db in
            try also(db)
            let id = try insertCase(db, clean, age: nil, received: now, status: .open, assignedTo: nil, source: "child_friendly", sourceDraft: nil)
            try insertEvent(db, caseID: id, at: now, fact: EventFact(.childReport, ["narrative": clean.narrative, "contact": clean.reporterContact, "language": language]),
                            author: actor, intake: true)
            if clean.inDangerNow == true {
                try insertEvent(db, caseID: id, at: now, fact: EventFact(.urgentChildSaid), author: actor, intake: true)
            }
        }
    }

    /// Adds a free-text note to a case timeline, written by the session's user, and moves the case to the top
    /// of the list.
    /// - Parameters:
    ///   - text: the note (control characters are removed; newlines kept); its first line is the summary.
    ///   - at: when it happened (defaults to now).
    /// - Returns: the new event.
    /// - Throws: `StoreError.notFound` when the case does not exist; `StoreError.accessDenied` (audited) when
    ///   nobody is logged in or the user may not work on this case.
    @discardableResult
    public func addNote(caseID: UUID, text: String, at: Date? = nil) throws -> CaseEvent {
        let body = TextSafety.clean(text, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        let summary = String(body.split(separator: "\n", omittingEmptySubsequences: true).first ?? "")
        let when = at ?? clock.now
        let me = try sessionUser("case.note", caseID: caseID)
        return try door { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM case_record WHERE id = ?", arguments: [caseID.uuidString]) != nil else {
                throw StoreError.notFound
            }
            return try insertEvent(db, caseID: caseID, at: when, fact: EventFact(.note), author: me.name, summary: summary, body: body)
        }
    }

    /// Who the timeline names as the author of a child's own report (no one logs in for it); screens put it
    /// into the reader's words (`author.childSession`).
    public static let childSessionActor = "child-friendly session"

    /// Writes one timeline entry: its fact (kind and arguments), and the English words of it (`summary` and
    /// `body` when given: a note's own words; else the fact put into English), which any Kinga can show.
    @discardableResult
    func insertEvent(_ db: Database, caseID: UUID, at: Date, fact: EventFact, author: String,
                     summary: String? = nil, body: String? = nil, data: String? = nil, intake: Bool = false) throws -> CaseEvent {
        if !intake { try requireEdit(db, caseID: caseID) }
        let now = clock.now
        let english = LanguageWords.english
        let e = CaseEvent(id: UUID(), caseID: caseID, deviceID: deviceID, version: 1, createdAt: now, updatedAt: now,
                          occurredAt: at, kind: fact.kind.category, author: TextSafety.clean(author, multiline: false),
                          summary: TextSafety.clean(summary ?? fact.summary(english, stored: ""), multiline: false),
                          body: body ?? fact.body(english, stored: ""), fact: fact)
        try db.execute(sql: """
            INSERT INTO case_event(id, case_id, device_id, version, created_at, updated_at, occurred_at, kind, author, summary, body, data_json,
                fact, fact_args)
            VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [e.id.uuidString, caseID.uuidString, deviceID.uuidString, ISO8601.format(now), ISO8601.format(now),
                             ISO8601.format(at), e.kind.rawValue, e.author, e.summary, e.body, data, fact.kind.rawValue, fact.argsJSON])
        try db.execute(sql: """
            UPDATE case_record SET last_activity_at = max(last_activity_at, ?), updated_at = ?, version = version + 1
            WHERE id = ?
            """, arguments: [ISO8601.format(at), ISO8601.format(now), caseID.uuidString])
        // New facts (an assessment, a follow-up, a referral) make a waiting closure request out of date: the
        // focal point asks again, so a supervisor never approves a closure on an old picture.
        if ClosureRequestRule.makesStale(e.kind) {
            try db.execute(sql: "UPDATE case_record SET closure_request = NULL WHERE id = ?", arguments: [caseID.uuidString])
        }
        // Every timeline entry is a change to a case: audited in the same transaction.
        // The audit log says what kind of change, never the case's words (administrators read the log).
        try audit(db, actor: e.author, action: "case.\(e.kind.rawValue)", caseID: caseID, detail: "event \(e.id.uuidString)")
        return e
    }

    /// Refuses a read of one case that `viewer` may not see (issue #16: reads of one case fail closed).
    /// - Throws: `StoreError.accessDenied` (audited as `case.view`) when the case is outside what the
    ///   viewer's role allows, or `viewer` is not the session's (see `reader`).
    func mayRead(_ viewer: Viewer, caseID: UUID) throws {
        let who = try reader(viewer)
        let s = scope(who)
        let allowed = try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM case_record c WHERE c.id = ? AND \(s.sql)", arguments: [caseID.uuidString] + s.args) != nil
                || !(try Bool.fetchOne(db, sql: "SELECT 1 FROM case_record WHERE id = ?", arguments: [caseID.uuidString]) ?? false)
        }
        guard allowed else {
            try auditAlone(actor: who?.name ?? "unknown", action: "access.denied", caseID: caseID, detail: "case.view")
            throw StoreError.accessDenied
        }
    }

    /// One case, whole, for `viewer`; nil when there is no such case.
    /// - Throws: `StoreError.accessDenied` (audited) when the viewer may not see it (see `mayRead`).
    public func caseRecord(id: UUID, viewer: Viewer) throws -> CaseRecord? {
        try mayRead(viewer, caseID: id)
        return try pool.read { db in try Self.fetchCase(db, id: id.uuidString) }
    }

    /// The case with this number (`KG-2026-0042`), for `viewer`; nil when there is none.
    /// - Throws: `StoreError.accessDenied` (audited) when the viewer may not see it.
    public func caseRecord(number: CaseNumber, viewer: Viewer) throws -> CaseRecord? {
        guard let id = try pool.read({ db in
            try String.fetchOne(db, sql: "SELECT id FROM case_record WHERE case_number = ?", arguments: [number.description])
        }).flatMap(UUID.init(uuidString:)) else { return nil }
        return try caseRecord(id: id, viewer: viewer)
    }

    /// A case's timeline, oldest first, for `viewer`.
    /// - Throws: `StoreError.accessDenied` (audited) when the viewer may not see the case.
    public func events(caseID: UUID, viewer: Viewer) throws -> [CaseEvent] {
        try mayRead(viewer, caseID: caseID)
        return try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM case_event WHERE case_id = ? ORDER BY occurred_at, rowid",
                             arguments: [caseID.uuidString]).compactMap(Self.event(from:))
        }
    }

    /// Number of cases (all statuses). Uses the primary-key index.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func caseCount(viewer: Viewer) throws -> Int {
        try caseCount(reader: try reader(viewer))
    }

    /// Number of cases `reader` may see (nil: all), for Storage's own work (backups, an export by a person
    /// whose PIN was checked, in the Exports target).
    /// - Throws: database errors.
    func caseCount(reader: User?) throws -> Int {
        let s = scope(reader)
        return try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM case_record c WHERE \(s.sql)", arguments: s.args) ?? 0 }
    }

    /// One page of the case list, newest activity first, starting after `cursor` (nil: from the top).
    ///
    /// Keyset pagination on `(last_activity_at, id)` through the `case_by_activity` index: the cost depends on
    /// `limit`, not on how many cases exist or how deep the page is (SQLite "row values" scrolling-window queries).
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func casePage(after cursor: CaseCursor?, limit: Int, viewer: Viewer) throws -> [CaseSummary] {
        let s = try scope(viewer)
        return try pool.read { db in
            if let c = cursor {
                return try Row.fetchAll(db, sql: Self.summarySQL + " WHERE \(s.sql) AND (c.last_activity_at, c.number_year, c.number_serial) < (?, ?, ?) \(Self.newestFirst) LIMIT ?",
                                        arguments: s.args + c.arguments + [limit]).compactMap(Self.summary(from:))
            }
            return try Row.fetchAll(db, sql: Self.summarySQL + " WHERE \(s.sql) \(Self.newestFirst) LIMIT ?",
                                    arguments: s.args + [limit]).compactMap(Self.summary(from:))
        }
    }

    /// One page ending just before `cursor` (nil: the last page), still newest first. For scrolling up and End.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func casePage(before cursor: CaseCursor?, limit: Int, viewer: Viewer) throws -> [CaseSummary] {
        let s = try scope(viewer)
        return try pool.read { db in
            let rows: [Row]
            if let c = cursor {
                rows = try Row.fetchAll(db, sql: Self.summarySQL + " WHERE \(s.sql) AND (c.last_activity_at, c.number_year, c.number_serial) > (?, ?, ?) \(Self.oldestFirst) LIMIT ?",
                                        arguments: s.args + c.arguments + [limit])
            } else {
                rows = try Row.fetchAll(db, sql: Self.summarySQL + " WHERE \(s.sql) \(Self.oldestFirst) LIMIT ?", arguments: s.args + [limit])
            }
            return rows.compactMap(Self.summary(from:)).reversed()
        }
    }

    /// The numbers on the home screen.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func todaySummary(viewer: Viewer) throws -> TodaySummary {
        let reader = try reader(viewer)
        let s = scope(reader)
        return try pool.read { db in
            // Read from the tally the triggers keep (`CaseTally`), not counted: a few rows at any size.
            let open = try Int.fetchOne(db, sql: Self.openCountSQL(s.sql), arguments: s.args) ?? 0
            let urgent = try Int.fetchOne(db, sql: Self.urgentCountSQL(s.sql), arguments: s.args) ?? 0
            let drafts = try Int.fetchOne(db, sql: "SELECT count(*) FROM draft WHERE ? IS NULL OR author_id = ?",
                                          arguments: [reader?.id.uuidString, reader?.id.uuidString]) ?? 0
            // What the home screen's words say: open, closed and transferred. A duplicate is a report joined
            // to another case, not a case of its own.
            let all = try Int.fetchOne(db, sql: Self.allCasesCountSQL(s.sql), arguments: s.args) ?? 0
            return TodaySummary(openCases: open, urgentOpenCases: urgent, drafts: drafts, allCases: all)
        }
    }

    /// The count of "cases in all" on the home screen, within the scope condition `scope`, from the tally.
    static func allCasesCountSQL(_ scope: String) -> String {
        CaseTally.countSQL("\(scope) AND c.status IN ('open', 'closed', 'transferred')")
    }

    /// The count of open cases on the home screen, within the scope condition `scope`, from the tally.
    static func openCountSQL(_ scope: String) -> String { CaseTally.countSQL("\(scope) AND c.status = 'open'") }

    /// The count of urgent open cases on the home screen, within the scope condition `scope`, from the tally.
    static func urgentCountSQL(_ scope: String) -> String { CaseTally.countSQL("\(scope) AND c.status = 'open' AND c.urgent = 1") }

    /// `EXPLAIN QUERY PLAN` lines of the case-list page query, for tests that forbid full-table scans.
    public func casePagePlan() throws -> [String] {
        try pool.read { db in
            let after = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + Self.summarySQL + " WHERE (c.last_activity_at, c.number_year, c.number_serial) < (?, ?, ?) \(Self.newestFirst) LIMIT 20",
                                         arguments: ["2026-01-01T00:00:00.000Z", 2026, 1]).map { $0["detail"] as String? ?? "" }
            let before = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + Self.summarySQL + " WHERE (c.last_activity_at, c.number_year, c.number_serial) > (?, ?, ?) \(Self.oldestFirst) LIMIT 20",
                                          arguments: ["2026-01-01T00:00:00.000Z", 2026, 1]).map { $0["detail"] as String? ?? "" }
            return after + before
        }
    }

    static let newestFirst = "ORDER BY c.last_activity_at DESC, c.number_year DESC, c.number_serial DESC"
    static let oldestFirst = "ORDER BY c.last_activity_at ASC, c.number_year ASC, c.number_serial ASC"

    static let summarySQL = """
        SELECT c.id, c.case_number, c.child_name, c.date_of_birth, c.approx_age, c.age_recorded_on, c.village, c.risk_level,
               c.urgent, c.status, c.last_activity_at,
               (SELECT concern FROM case_concern k WHERE k.case_id = c.id ORDER BY k.position LIMIT 1) AS first_concern,
               (SELECT count(*) FROM case_concern k WHERE k.case_id = c.id) AS concern_count
        FROM case_record c
        """

    static func age(from row: Row) -> ChildAge? {
        if let dob: String = row["date_of_birth"], let d = LocalDate(iso: dob) { return .born(d) }
        if let y: Int = row["approx_age"], let on: String = row["age_recorded_on"], let d = LocalDate(iso: on) {
            return .approximately(years: y, recordedOn: d)
        }
        return nil
    }

    static func summary(from row: Row) -> CaseSummary? {
        guard let id = UUID(uuidString: row["id"]), let number = CaseNumber(row["case_number"]),
              let last = ISO8601.parse(row["last_activity_at"]), let status = CaseStatus(rawValue: row["status"]) else { return nil }
        return CaseSummary(id: id, number: number, childName: row["child_name"], age: age(from: row), village: row["village"],
                           firstConcern: row["first_concern"], concernCount: row["concern_count"],
                           risk: (row["risk_level"] as String?).flatMap(RiskLevel.init(rawValue:)), urgent: row["urgent"],
                           status: status, lastActivityAt: last)
    }

    static func fetchCase(_ db: Database, id: String) throws -> CaseRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM case_record WHERE id = ?", arguments: [id]) else { return nil }
        let concerns = try String.fetchAll(db, sql: "SELECT concern FROM case_concern WHERE case_id = ? ORDER BY position", arguments: [id])
        guard let uuid = UUID(uuidString: row["id"]), let number = CaseNumber(row["case_number"]),
              let device = UUID(uuidString: row["device_id"]), let created = ISO8601.parse(row["created_at"]),
              let updated = ISO8601.parse(row["updated_at"]), let last = ISO8601.parse(row["last_activity_at"]),
              let status = CaseStatus(rawValue: row["status"]) else { return nil }
        let report = (try? decode(Report.self, row["report_json"])) ?? Report()
        var c = CaseRecord(id: uuid, number: number, deviceID: device, version: row["version"], createdAt: created,
                           updatedAt: updated, lastActivityAt: last, status: status, urgent: row["urgent"],
                           risk: (row["risk_level"] as String?).flatMap(RiskLevel.init(rawValue:)), childName: row["child_name"],
                           sex: Sex(rawValue: row["sex"]) ?? .unknown, age: age(from: row), village: row["village"],
                           caregiver: row["caregiver"], concerns: concerns, report: report)
        c.assignedTo = (row["assigned_to"] as String?).flatMap(UUID.init(uuidString:))
        c.source = row["source"]
        c.sourceDraftID = (row["source_draft_id"] as String?).flatMap(UUID.init(uuidString:))
        c.firstActionAt = (row["first_action_at"] as String?).flatMap(ISO8601.parse)
        c.assessed = row["assessed"]
        c.hasPlan = row["has_plan"]
        c.reopened = row["reopened"]
        c.nextFollowUp = (row["next_follow_up"] as String?).flatMap { try? LocalDate.parse($0) }
        c.closedAt = (row["closed_at"] as String?).flatMap(ISO8601.parse)
        c.closureReason = (row["closure_reason"] as String?).flatMap(ClosureReason.init(rawValue:))
        c.closureRequest = (row["closure_request"] as String?).flatMap { try? decode(Closure.self, $0) }
        c.returnedComment = row["returned_comment"]
        c.reviewedAt = (row["reviewed_at"] as String?).flatMap(ISO8601.parse)
        return c
    }

    static func event(from row: Row) -> CaseEvent? {
        guard let id = UUID(uuidString: row["id"]), let caseID = UUID(uuidString: row["case_id"]),
              let device = UUID(uuidString: row["device_id"]), let created = ISO8601.parse(row["created_at"]),
              let updated = ISO8601.parse(row["updated_at"]), let at = ISO8601.parse(row["occurred_at"]) else { return nil }
        // A kind this version does not know (a newer Kinga wrote it) is shown with its stored words, never dropped.
        let kind = EventKind(rawValue: row["kind"] ?? "") ?? .other
        var e = CaseEvent(id: id, caseID: caseID, deviceID: device, version: row["version"], createdAt: created, updatedAt: updated,
                          occurredAt: at, kind: kind, author: row["author"], summary: row["summary"], body: row["body"],
                          fact: EventFact(stored: row["fact"], args: row["fact_args"]))
        e.dataJSON = row["data_json"]
        return e
    }

    /// Every text field cleaned for storage (NFC, no control characters); multi-line only for the narrative.
    static func cleaned(_ r: Report) -> Report {
        var c = r
        c.reporterName = TextSafety.clean(r.reporterName, multiline: false).trimmingCharacters(in: .whitespaces)
        c.reporterContact = TextSafety.clean(r.reporterContact, multiline: false).trimmingCharacters(in: .whitespaces)
        c.childName = TextSafety.clean(r.childName, multiline: false).trimmingCharacters(in: .whitespaces)
        c.dateOfBirthText = TextSafety.clean(r.dateOfBirthText, multiline: false).trimmingCharacters(in: .whitespaces)
        c.approximateAgeText = TextSafety.clean(r.approximateAgeText, multiline: false).trimmingCharacters(in: .whitespaces)
        c.village = TextSafety.clean(r.village, multiline: false).trimmingCharacters(in: .whitespaces)
        c.caregiver = TextSafety.clean(r.caregiver, multiline: false).trimmingCharacters(in: .whitespaces)
        c.nickname = TextSafety.clean(r.nickname, multiline: false).trimmingCharacters(in: .whitespaces)
        c.whenHappened = TextSafety.clean(r.whenHappened, multiline: false).trimmingCharacters(in: .whitespaces)
        c.whereHappened = TextSafety.clean(r.whereHappened, multiline: false).trimmingCharacters(in: .whitespaces)
        c.narrative = TextSafety.clean(r.narrative, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        c.reasonWithoutConsent = TextSafety.clean(r.reasonWithoutConsent, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        return c
    }

    /// `v` as JSON text with sorted keys, as Kinga stores reports and lists in the database.
    package static func encode<T: Encodable>(_ v: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(v), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ t: T.Type, _ s: String) throws -> T {
        try JSONDecoder().decode(t, from: Data(s.utf8))
    }
}
