import Foundation
import GRDB
import Model

// Referrals to formal services, and their answers.
extension KingaStore {
    // MARK: - Referrals

    /// Sends a referral, as the session's user. Refused when consent is missing, unless the session's user may
    /// override consent (a supervisor) and gives `consentOverride`, the reason; the override is stored under
    /// their name and shown on the timeline only when it was really needed and used.
    /// - Throws: `CycleError.consentMissing` (no consent and no override reason), `.providerUnavailable`,
    ///   `.required("reason")`, `.caseClosed`; `StoreError.accessDenied` (audited) when nobody is logged in, the
    ///   user may not work on the case, or an override is needed and the user may not override consent.
    @discardableResult
    public func sendReferral(caseID: UUID, providerID: UUID, service: ServiceType, reason: String, urgent: Bool,
                             consentOverride: String? = nil) throws -> Referral {
        let why = TextSafety.clean(reason, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw CycleError.required("reason") }
        let me = try sessionUser("case.referral_sent", caseID: caseID)
        let now = clock.now
        let today = clock.today
        let id = UUID()
        try door { db in
            try requireOpen(db, caseID)
            guard let c = try Self.fetchCase(db, id: caseID.uuidString) else { throw StoreError.notFound }
            guard let p = try Row.fetchOne(db, sql: "SELECT * FROM service_provider WHERE id = ?", arguments: [providerID.uuidString])
                .flatMap(Self.provider(from:)), !p.retired else { throw CycleError.providerUnavailable }
            var usedOverride: (String, String)?
            switch ConsentOverrideRule.decide(consent: ConsentCheck.of(c.report), overrideReason: consentOverride, roles: me.roles, demo: isDemo) {
            case .send: break
            case .sendWithOverride(let reason): usedOverride = (me.name, reason)
            case .refused(.reasonMissing): throw CycleError.consentMissing
            case .refused(.notPermitted): throw Denied(actor: me.name, caseID: caseID, what: "consent override")
            }
            try db.execute(sql: """
                INSERT INTO referral(id, case_id, provider_id, device_id, version, created_at, updated_at, service_type, reason, urgent,
                    status, sent_on, override_by, override_reason)
                VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
                """, arguments: [id.uuidString, caseID.uuidString, providerID.uuidString, deviceID.uuidString, ISO8601.format(now),
                                 ISO8601.format(now), service.rawValue, why, urgent, today.iso, usedOverride?.0, usedOverride?.1])
            let fact = EventFact(.referralSent, ["provider": p.name, "service": service.rawValue, "urgent": urgent ? "1" : "", "reason": why,
                                                 "supervisor": usedOverride?.0 ?? "", "overrideReason": usedOverride?.1 ?? ""])
            try insertEvent(db, caseID: caseID, at: now, fact: fact, author: me.name)
            try markFirstAction(db, caseID, at: now)
        }
        guard let r = try pool.read({ db in try Self.fetchReferral(db, id: id) }) else { throw StoreError.notFound }
        return r
    }

    /// Moves a referral to a new status, with the provider's reason or feedback; on the case timeline as the
    /// session's user's.
    /// - Throws: `CycleError.invalidTransition`, `.declineReasonMissing`, `StoreError.notFound`,
    ///   `StoreError.accessDenied` (audited) when nobody is logged in or the user may not work on the case.
    public func updateReferral(id: UUID, to status: ReferralStatus, note: String, feedback: String = "") throws {
        let me = try sessionUser("case.referral_updated")
        let cleanNote = TextSafety.clean(note, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        let cleanFeedback = TextSafety.clean(feedback, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
        if status == .declined && cleanNote.isEmpty { throw CycleError.declineReasonMissing }
        let now = clock.now
        try door { db in
            guard let r = try Self.fetchReferral(db, id: id) else { throw StoreError.notFound }
            guard r.status.next.contains(status) else { throw CycleError.invalidTransition(from: r.status, to: status) }
            try db.execute(sql: """
                UPDATE referral SET status = ?, status_note = ?, feedback = CASE WHEN ? = '' THEN feedback ELSE ? END,
                    responded_on = coalesce(responded_on, ?), updated_at = ?, version = version + 1 WHERE id = ?
                """, arguments: [status.rawValue, cleanNote, cleanFeedback, cleanFeedback, clock.today.iso, ISO8601.format(now), id.uuidString])
            let fact = EventFact(.referralUpdated, ["provider": r.providerName, "from": r.status.rawValue, "to": status.rawValue,
                                                    "note": cleanNote, "feedback": cleanFeedback])
            try insertEvent(db, caseID: r.caseID, at: now, fact: fact, author: me.name)
        }
    }

    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` may not see the referral's case.
    public func referral(id: UUID, viewer: Viewer) throws -> Referral? {
        guard let r = try pool.read({ db in try Self.fetchReferral(db, id: id) }) else { return nil }
        try mayRead(viewer, caseID: r.caseID)
        return r
    }

    /// Referrals, newest first; filtered by status and/or case.
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's user, or asks for the
    ///   whole database during a session (see `Viewer`); database errors.
    public func referrals(status: ReferralStatus? = nil, caseID: UUID? = nil, limit: Int = 500, viewer: Viewer) throws -> [Referral] {
        let s = try scope(viewer)
        return try pool.read { db in
            var sql = Self.referralSQL + " WHERE \(s.sql)"
            var args: StatementArguments = s.args
            if let s = status { sql += " AND r.status = ?"; args += [s.rawValue] }
            if let c = caseID { sql += " AND r.case_id = ?"; args += [c.uuidString] }
            sql += " ORDER BY r.sent_on DESC, r.created_at DESC LIMIT ?"
            args += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: args).compactMap(Self.referral(from:))
        }
    }

    /// Referrals sent without consent on a supervisor's override, sent on or after `since`, newest first: the
    /// supervisor review queue lists them so the team can look back at each decision (issue #4).
    /// - Throws: `StoreError.accessDenied` (audited) when `viewer` is not the session's (see `Viewer`).
    public func consentOverrides(since: LocalDate, limit: Int = 200, viewer: Viewer) throws -> [Referral] {
        let s = try scope(viewer)
        return try pool.read { db in
            try Row.fetchAll(db, sql: Self.referralSQL + " WHERE r.override_by IS NOT NULL AND r.sent_on >= ? AND \(s.sql) ORDER BY r.sent_on DESC LIMIT ?",
                             arguments: [since.iso] + s.args + [limit]).compactMap(Self.referral(from:))
        }
    }

    static let referralSQL = """
        SELECT r.*, c.case_number, c.child_name, p.name AS provider_name FROM referral r
        JOIN case_record c ON c.id = r.case_id JOIN service_provider p ON p.id = r.provider_id
        """

    static func fetchReferral(_ db: Database, id: UUID) throws -> Referral? {
        try Row.fetchOne(db, sql: referralSQL + " WHERE r.id = ?", arguments: [id.uuidString]).flatMap(referral(from:))
    }

    static func referral(from row: Row) -> Referral? {
        guard let id = UUID(uuidString: row["id"]), let caseID = UUID(uuidString: row["case_id"]),
              let number = CaseNumber(row["case_number"]), let pid = UUID(uuidString: row["provider_id"]),
              let service = ServiceType(rawValue: row["service_type"]), let status = ReferralStatus(rawValue: row["status"]),
              let sent = LocalDate(iso: row["sent_on"]) else { return nil }
        var r = Referral(id: id, caseID: caseID, caseNumber: number, childName: row["child_name"], providerID: pid,
                         providerName: row["provider_name"], service: service, reason: row["reason"], urgent: row["urgent"],
                         status: status, sentOn: sent, respondedOn: (row["responded_on"] as String?).flatMap(LocalDate.init(iso:)),
                         statusNote: row["status_note"], feedback: row["feedback"], overrideBy: row["override_by"],
                         overrideReason: row["override_reason"], version: row["version"])
        r.deviceID = (row["device_id"] as String?).flatMap(UUID.init(uuidString:))
        r.createdAt = (row["created_at"] as String?).flatMap(ISO8601.parse)
        r.updatedAt = (row["updated_at"] as String?).flatMap(ISO8601.parse)
        return r
    }
}
