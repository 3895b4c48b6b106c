import Foundation
import GRDB
import Model

/// The reads behind a case export (issue #8), for the Exports target that writes the file: Storage keeps the SQL.
extension KingaStore {
    /// The person logged in, for an export: refused (`StoreError.accessDenied`, audited as `export.cases`) when
    /// nobody is.
    /// - Throws: `StoreError.accessDenied`.
    package func exportingUser() throws -> User {
        try sessionUser("export.cases")
    }

    /// How many cases the person logged in may see (an export's total).
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in; database errors.
    package func exportCount() throws -> Int {
        try caseCount(reader: try sessionUser("export.cases"))
    }

    /// Writes an export's audit entry (`export.cases…`) as the person logged in.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in; database errors.
    package func auditExport(_ action: String, detail: String) throws {
        try auditAlone(actor: try sessionUser(action).name, action: action, detail: detail)
    }

    /// One batch of exported cases after the case number (year, serial), and the last number in it: the cases
    /// the person logged in may see, oldest number first, at most `limit`; the identifying fields only when
    /// `identifying`, the report's story and referral reasons only when `narratives`. For the Exports target,
    /// which writes them.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in; database errors.
    package func exportBatch(after: (Int, Int), limit: Int, identifying: Bool, narratives: Bool) throws
        -> (lines: [CaseExport.Line], last: (Int, Int)?) {
        let s = scope(try sessionUser("export.cases"))
        let today = clock.today
        return try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.id, c.case_number, c.number_year, c.number_serial, c.status, c.urgent, c.risk_level, c.created_at,
                       c.last_activity_at, c.closed_at, c.closure_reason, c.sex, c.date_of_birth, c.approx_age, c.age_recorded_on,
                       c.village, c.next_follow_up, c.child_name, c.caregiver, c.report_json, u.name AS assigned_name,
                       (SELECT group_concat(concern, char(31)) FROM
                           (SELECT concern FROM case_concern k WHERE k.case_id = c.id ORDER BY k.position)) AS concern_list
                FROM case_record c LEFT JOIN app_user u ON u.id = c.assigned_to
                WHERE (c.number_year, c.number_serial) > (?, ?) AND \(s.sql)
                ORDER BY c.number_year, c.number_serial LIMIT ?
                """, arguments: [after.0, after.1] + s.args + [limit])
            guard let lastRow = rows.last else { return ([], nil) }
            let ids = rows.map { $0["id"] as String }
            var referrals: [String: [CaseExport.ReferralLine]] = [:]
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            for r in try Row.fetchAll(db, sql: """
                SELECT r.case_id, r.service_type, p.name AS provider, r.status, r.urgent, r.sent_on, r.responded_on, r.reason
                FROM referral r JOIN service_provider p ON p.id = r.provider_id
                WHERE r.case_id IN (\(marks)) ORDER BY r.sent_on, r.created_at
                """, arguments: StatementArguments(ids)) {
                referrals[r["case_id"], default: []].append(CaseExport.ReferralLine(
                    service: r["service_type"], provider: r["provider"], status: r["status"], urgent: r["urgent"],
                    sentOn: r["sent_on"], respondedOn: r["responded_on"], reason: narratives ? r["reason"] : nil))
            }
            let lines = rows.map { row -> CaseExport.Line in
                let id: String = row["id"]
                let concerns = (row["concern_list"] as String?).map { $0.split(separator: "\u{1F}").map(String.init) } ?? []
                var line = CaseExport.Line(
                    caseNumber: row["case_number"], status: row["status"], urgent: row["urgent"], riskLevel: row["risk_level"],
                    registeredOn: String((row["created_at"] as String).prefix(10)),
                    lastActivityOn: String((row["last_activity_at"] as String).prefix(10)),
                    closedOn: (row["closed_at"] as String?).map { String($0.prefix(10)) }, closureReason: row["closure_reason"],
                    sex: row["sex"], ageYears: Self.age(from: row)?.years(on: today), village: row["village"], concerns: concerns,
                    assignedTo: row["assigned_name"], nextFollowUp: row["next_follow_up"], referrals: referrals[id] ?? [])
                if identifying {
                    let report = (try? Self.decode(Report.self, row["report_json"])) ?? Report()
                    line.childName = row["child_name"]
                    line.otherNames = report.nickname
                    line.dateOfBirth = (row["date_of_birth"] as String?) ?? ""
                    line.caregiver = row["caregiver"]
                    line.reporterKind = report.reporterKind?.rawValue ?? ""
                    line.reporterName = report.reporterName
                    line.reporterContact = report.reporterContact
                    line.whenHappened = report.whenHappened
                    line.whereHappened = report.whereHappened
                    line.narrative = narratives ? report.narrative : "[withheld: this role does not read case narratives]"
                }
                return line
            }
            return (lines, (lastRow["number_year"], lastRow["number_serial"]))
        }
    }
}
