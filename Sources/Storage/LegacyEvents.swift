import Foundation
import GRDB
import Model

/// Recognises timeline entries written before entries were data (migration v13): their English summary,
/// as Kinga wrote it, tells their kind and the arguments the summary needs. Such a fact is marked `legacy`:
/// its body is the stored English text (the arguments of the whole entry were never kept apart). A summary
/// whose pattern is not known keeps its stored words (no fact), except a note, which is the person's own words.
enum LegacyEvents {
    /// The fact an old entry records, or nil when its summary is not one Kinga wrote.
    /// - Parameters: `kind` the stored `EventKind` raw value; `summary`, `body`, `author` as stored.
    static func recognise(kind: String, summary: String, body: String, author: String) -> EventFact? {
        func match(_ pattern: String) -> [String]? {
            guard let re = try? NSRegularExpression(pattern: "^" + pattern + "$"),
                  let m = re.firstMatch(in: summary, range: NSRange(summary.startIndex..., in: summary)) else { return nil }
            return (0..<m.numberOfRanges).map { i in Range(m.range(at: i), in: summary).map { String(summary[$0]) } ?? "" }
        }
        func legacy(_ k: EventFact.Kind, _ args: [String: String] = [:]) -> EventFact {
            EventFact(k, args.merging(["legacy": "1"]) { a, _ in a })
        }
        func raw(_ words: String) -> String { words.lowercased().replacingOccurrences(of: " ", with: "_") }
        let reporters: [String: ReporterKind] = [
            "the child": .child, "a family member": .familyMember, "a neighbour or community member": .neighbour,
            "a teacher": .teacher, "a health worker": .healthWorker, "a community leader": .communityLeader,
            "someone who did not give their name": .anonymous,
        ]
        if let m = match("Report received from (.+)") { return legacy(.reportReceived, ["reporter": reporters[m[1]]?.rawValue ?? ""]) }
        if match("Report from a child-friendly session: .*") != nil { return legacy(.childReport) }
        if match("Consent recorded: child and caregiver agreed") != nil { return legacy(.consentRecorded, ["child": "yes", "caregiver": "yes"]) }
        if match("Consent recorded: going ahead without full consent") != nil { return legacy(.consentRecorded, ["child": "no"]) }
        if match("Consent not asked yet: .*") != nil { return legacy(.consentRecorded, ["child": "not_asked"]) }
        if match("Urgent: the child may be in danger now") != nil { return legacy(.urgentReported) }
        if match("Urgent: the child said they are not safe, or not sure") != nil { return legacy(.urgentChildSaid) }
        if let m = match("Assessment: (high|medium|low) risk(?: \\(guide said (high|medium|low)\\))?") {
            return legacy(.assessment, ["chosen": m[1], "suggested": m[2].isEmpty ? m[1] : m[2]])
        }
        if let m = match("Case plan: ([0-9]+) goals?") { return legacy(.casePlan, ["goals": m[1]]) }
        if let m = match("Referral sent to (.+?)( \\(consent override\\))?") {
            // The service was written in the body: "To: Provider (health), URGENT."
            var service = ""
            if let re = try? NSRegularExpression(pattern: "^To: .*\\(([a-z ]+)\\)"),
               let s = re.firstMatch(in: body, range: NSRange(body.startIndex..., in: body)), let r = Range(s.range(at: 1), in: body) {
                service = raw(String(body[r]))
            }
            return legacy(.referralSent, ["provider": m[1], "service": service, "override": m[2].isEmpty ? "" : "1"])
        }
        if let m = match("Referral to (.+) (pending|accepted|declined|completed|withdrawn)") { return legacy(.referralUpdated, ["provider": m[1], "to": m[2]]) }
        if let m = match("Follow-up (visit|call|meeting): (child safe|CHILD NOT SAFE) · next ([0-9]{4}-[0-9]{2}-[0-9]{2})") {
            return legacy(.followUp, ["mode": m[1], "safe": m[2] == "child safe" ? "1" : "0", "next": m[3]])
        }
        if match("Closure asked: waiting for a supervisor's approval") != nil { return legacy(.closureAsked) }
        if let m = match("Returned for correction: (.*)") { return legacy(.closureReturned, ["comment": m[1]]) }
        if let m = match("Case closed: (.+)") {
            let approvedBy = author.hasSuffix(" (approved)") ? String(author.dropLast(" (approved)".count)) : ""
            return legacy(.closed, ["reason": raw(m[1]), "approvedBy": approvedBy])
        }
        if match("Case reopened") != nil { return legacy(.reopened) }
        if match("Case summary printed") != nil { return legacy(.printed, ["document": "summary"]) }
        if let m = match("Referral slip printed for (.+)") { return legacy(.printed, ["document": "slip", "provider": m[1]]) }
        if let m = match("Another report about this child \\((.+)\\)") { return legacy(.duplicateReport, ["number": m[1]]) }
        if let m = match("Same child as (.+): linked as a duplicate") { return legacy(.duplicateLinked, ["number": m[1]]) }
        if let m = match("Case taken by (.+)") { return legacy(.caseTaken, ["user": m[1]]) }
        if let m = match("Case given to (.+)") { return legacy(.caseGiven, ["user": m[1]]) }
        if kind == EventKind.note.rawValue { return EventFact(.note) }
        return nil
    }

    /// Gives every entry without a fact the one its summary shows, 1,000 rows at a time by rowid (a large
    /// archive is never held in memory).
    static func run(_ db: Database) throws {
        var last: Int64 = 0
        while true {
            let rows = try Row.fetchAll(db, sql: """
                SELECT rowid, kind, summary, body, author FROM case_event WHERE rowid > ? AND fact IS NULL ORDER BY rowid LIMIT 1000
                """, arguments: [last])
            guard let end = rows.last else { break }
            last = end["rowid"]
            for row in rows {
                guard let fact = recognise(kind: row["kind"] ?? "", summary: row["summary"] ?? "", body: row["body"] ?? "", author: row["author"] ?? "")
                else { continue }
                try db.execute(sql: "UPDATE case_event SET fact = ?, fact_args = ? WHERE rowid = ?",
                               arguments: [fact.kind.rawValue, fact.argsJSON, row["rowid"] as Int64])
            }
        }
    }
}
