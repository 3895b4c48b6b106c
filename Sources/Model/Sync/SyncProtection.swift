import Foundation

/// Which value counts while a conflict waits for a supervisor (issue #18: "until then deadlines follow the more
/// protective value (higher risk, urgent)").
///
/// A conflict keeps the server's value in the row, but deadlines, the "Due today" list and the closure approval
/// rule (`ClosureApproval`) must not relax because the less worried side happened to arrive first. The rule
/// follows the Minimum Standards for Child Protection in Humanitarian Action (2019), standard 18 (case
/// management: act on the highest assessed risk) and the Inter-agency Guidelines for Case Management (2014,
/// §3.2, response times by risk level), read as: when two people disagree, the child gets the faster response
/// until someone decides. Per column:
/// - case `risk_level`: high before medium before low (`RiskLevel`); "not assessed" (null) counts as high, as
///   `Deadlines.firstActionHours` treats an unassessed report, and yields to an explicit "high";
/// - case and referral `urgent`: true before false;
/// - case `next_follow_up` (a `LocalDate`, `YYYY-MM-DD`): the earlier date; any date before none;
/// - case `status`: `open` before any other status (an open case keeps its deadlines and stays on the lists);
/// - every other column: the row's current value.
public enum SyncProtection {
    /// Columns whose effective value follows the more protective side, per kind of row.
    public static func protectiveFields(_ entity: SyncEntity) -> Set<String> {
        switch entity {
        case .caseRecord: return [SyncColumn.riskLevel, SyncColumn.urgent, SyncColumn.nextFollowUp, SyncColumn.status]
        case .referral: return [SyncColumn.urgent]
        case .provider, .user: return []
        }
    }

    /// The more protective of two values of `field` on a row of `entity` (see the type's rules); `current` for a
    /// column with no such rule, and on a tie.
    public static func protective(_ entity: SyncEntity, field: String, current: SyncValue, incoming: SyncValue) -> SyncValue {
        guard protectiveFields(entity).contains(field) else { return current }
        let a = rank(entity, field, current), b = rank(entity, field, incoming)
        return b > a ? incoming : current
    }

    /// The values deadlines should use for a row: its values, with each open conflict on it replaced by the more
    /// protective of the row's value and the conflict's incoming value.
    /// - Parameters:
    ///   - values: the row's values (column → value).
    ///   - entity, rowID: the row.
    ///   - openConflicts: unresolved conflicts (any rows; those of other rows and record conflicts are ignored).
    public static func effective(_ values: [String: SyncValue], entity: SyncEntity, rowID: UUID,
                                 openConflicts: [SyncConflict]) -> [String: SyncValue] {
        var out = values
        for c in openConflicts where c.entity == entity && c.rowID == rowID && c.kind != .record {
            let now = out[c.field] ?? .null
            let v = protective(entity, field: c.field, current: now, incoming: c.incoming)
            out[c.field] = v == .null ? nil : v
        }
        return out
    }

    /// How protective a value is: higher is more protective.
    static func rank(_ entity: SyncEntity, _ field: String, _ v: SyncValue) -> Int {
        switch (field, v) {
        case (SyncColumn.riskLevel, .null): return 5
        case (SyncColumn.riskLevel, .string(let s)):
            switch RiskLevel(rawValue: s) {
            case .high: return 6
            case .medium: return 4
            case .low: return 2
            case nil: return 0
            }
        case (SyncColumn.urgent, .bool(let b)): return b ? 1 : 0
        case (SyncColumn.urgent, .int(let i)): return i != 0 ? 1 : 0      // SQLite's 0/1, as a kiosk's row images carry it
        case (SyncColumn.nextFollowUp, .string(let s)):
            // An earlier day is more protective: rank by minus the day number.
            guard let d = try? LocalDate.parse(s) else { return Int.min }
            return -d.daysSinceEpoch
        case (SyncColumn.nextFollowUp, _): return Int.min + 1
        case (SyncColumn.status, .string(let s)): return CaseStatus(rawValue: s) == .open ? 1 : 0
        default: return 0
        }
    }
}

/// Column names the shared rules read, spelled as the kiosk's tables spell them (Sources/Storage/Schema.swift)
/// and as a field patch carries them. Storage and the server use these when they build or read patches.
public enum SyncColumn {
    /// `case_record.status`, `referral.status`: a `CaseStatus` or `ReferralStatus` raw value.
    public static let status = "status"
    /// `case_record.risk_level`: a `RiskLevel` raw value, or null when not assessed.
    public static let riskLevel = "risk_level"
    /// `case_record.urgent`, `referral.urgent`: a boolean on the wire (0/1 in SQLite).
    public static let urgent = "urgent"
    /// `case_record.next_follow_up`: a `LocalDate` as `YYYY-MM-DD`, or null.
    public static let nextFollowUp = "next_follow_up"
}

extension SyncProtection {
    /// What the deadline rules (`Workflow.firstActionDue`, `Workflow.nextFollowUp`, `ClosureApproval`) take from
    /// a case, read from its effective values (`effective(_:entity:rowID:openConflicts:)`) as Model's types.
    public struct DeadlineInputs: Hashable, Sendable {
        public var risk: RiskLevel?
        public var urgent: Bool
        public var nextFollowUp: LocalDate?
        public var status: CaseStatus?
    }

    /// The deadline inputs of a case while `openConflicts` wait: each the more protective side's value.
    /// A value that is not of its column's type reads as absent (nil, or not urgent), never a trap.
    public static func deadlineInputs(_ values: [String: SyncValue], caseID: UUID, openConflicts: [SyncConflict]) -> DeadlineInputs {
        let v = effective(values, entity: .caseRecord, rowID: caseID, openConflicts: openConflicts)
        let urgent: Bool
        switch v[SyncColumn.urgent] {
        case .bool(let b)?: urgent = b
        case .int(let i)?: urgent = i != 0
        default: urgent = false
        }
        return DeadlineInputs(risk: v[SyncColumn.riskLevel]?.stringValue.flatMap(RiskLevel.init(rawValue:)),
                              urgent: urgent,
                              nextFollowUp: v[SyncColumn.nextFollowUp]?.stringValue.flatMap { try? LocalDate.parse($0) },
                              status: v[SyncColumn.status]?.stringValue.flatMap(CaseStatus.init(rawValue:)))
    }
}
