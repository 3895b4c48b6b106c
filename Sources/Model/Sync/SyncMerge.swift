import Foundation

/// What kind of disagreement a conflict records.
public enum ConflictKind: String, Codable, CaseIterable, Sendable {
    /// The same column changed to different values on two sides.
    case value
    /// A status change (closure, reopening, transfer) raced another change of the row: a supervisor looks at it
    /// even when the columns differ (issue #18).
    case review
    /// An append-only record arrived with an id already stored under other content.
    case record
}

/// A disagreement kept for a supervisor: nothing is overwritten silently (issue #18, "Conflicts go to people").
///
/// The row keeps `current`; the other side's value stays here in `incoming` until a `ConflictResolution`.
/// JSON: `{"id":{…},"kind":"value","entity":"case","row_id":"…","field":"risk_level","base":"low",
/// "current":"medium","incoming":"high","racing":[],"actor":"amina"}`.
public struct SyncConflict: Codable, Hashable, Sendable, Identifiable {
    public var id: ConflictID
    public var kind: ConflictKind
    /// The row's kind, for value and review conflicts.
    public var entity: SyncEntity?
    /// The record's kind, for record conflicts.
    public var recordKind: SyncRecordKind?
    /// The row's or record's UUID.
    public var rowID: UUID
    /// The column (empty for a record conflict).
    public var field: String
    /// What the incoming side started from.
    public var base: SyncValue
    /// What the server had, and keeps until the conflict is resolved.
    public var current: SyncValue
    /// What the incoming side wrote, kept here.
    public var incoming: SyncValue
    /// For a review: the columns of the other change the status change raced, sorted.
    public var racing: [String]
    /// For a record conflict: the record that arrived (the stored one stays).
    public var incomingRecord: SyncRecord?
    /// Who made the incoming change.
    public var actor: String

    /// Memberwise: each argument sets the property of the same name.
    public init(id: ConflictID, kind: ConflictKind, entity: SyncEntity?, recordKind: SyncRecordKind? = nil, rowID: UUID,
                field: String, base: SyncValue, current: SyncValue, incoming: SyncValue, racing: [String] = [],
                incomingRecord: SyncRecord? = nil, actor: String) {
        self.id = id
        self.kind = kind
        self.entity = entity
        self.recordKind = recordKind
        self.rowID = rowID
        self.field = field
        self.base = base
        self.current = current
        self.incoming = incoming
        self.racing = racing
        self.incomingRecord = incomingRecord
        self.actor = actor
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, entity, field, base, current, incoming, racing, actor
        case recordKind = "record_kind"
        case rowID = "row_id"
        case incomingRecord = "incoming_record"
    }
}

/// A mutable row as the merge sees it on the server: its version, its values, and for each column the version
/// that last changed it, the kiosk that changed it and the value it had before.
///
/// The server keeps these beside its current-state tables (the per-column bookkeeping can be a JSON column).
/// A row that does not exist yet is `SyncRow.empty` (version 0, every column null).
public struct SyncRow: Codable, Hashable, Sendable {
    /// Raised by one on every applied change (0: not created yet).
    public var version: Int
    /// Column → value; a missing column is null.
    public var values: [String: SyncValue]
    /// Column → the version whose change last set it.
    public var changedAt: [String: Int]
    /// Column → the kiosk whose change last set it.
    public var changedBy: [String: KioskCode]
    /// Column → its value before its last change (the base of a status race, see `SyncMerge`).
    public var before: [String: SyncValue]
    /// Column → the kiosks already sent to review for editing the row while that column's last change was
    /// unseen by them: one review per kiosk and status change, however many edits the kiosk made meanwhile.
    public var reviewed: [String: Set<KioskCode>]

    /// Memberwise: each argument sets the property of the same name.
    public init(version: Int = 0, values: [String: SyncValue] = [:], changedAt: [String: Int] = [:],
                changedBy: [String: KioskCode] = [:], before: [String: SyncValue] = [:], reviewed: [String: Set<KioskCode>] = [:]) {
        self.version = version
        self.values = values
        self.changedAt = changedAt
        self.changedBy = changedBy
        self.before = before
        self.reviewed = reviewed
    }

    /// A row not created yet.
    public static let empty = SyncRow()

    /// The column's value (null when absent).
    public subscript(field: String) -> SyncValue { values[field] ?? .null }

    /// Sets the columns `fields` as applied by the change of `kiosk`: bumps the version once and notes, per
    /// column, this version, the kiosk and the value before. Returns the patch as applied (base: the version
    /// before; old: the value before), or nil when no value differs.
    mutating func apply(_ fields: [String: SyncValue], entity: SyncEntity, id: UUID, by kiosk: KioskCode) -> FieldPatch? {
        let changed = fields.filter { self[$0.key] != $0.value }
        guard !changed.isEmpty else { return nil }
        let base = version
        version += 1
        var applied: [String: FieldChange] = [:]
        for (f, v) in changed {
            applied[f] = FieldChange(old: self[f], new: v)
            before[f] = self[f]
            reviewed[f] = nil
            values[f] = v == .null ? nil : v
            changedAt[f] = version
            changedBy[f] = kiosk
        }
        return FieldPatch(entity: entity, id: id, baseVersion: base, fields: applied)
    }
}

/// Where an incoming change comes from: its kiosk, its number there, and who made it.
public struct ChangeOrigin: Hashable, Sendable {
    public var kiosk: KioskCode
    public var kioskSeq: Int
    public var actor: String
    /// Memberwise: each argument sets the property of the same name.
    public init(kiosk: KioskCode, kioskSeq: Int, actor: String) {
        self.kiosk = kiosk
        self.kioskSeq = kioskSeq
        self.actor = actor
    }

    /// The conflict id for `field` of this change.
    public func conflictID(_ field: String) -> ConflictID { ConflictID(kiosk: kiosk, kioskSeq: kioskSeq, field: field) }
}

/// The three-way merge of the district link (issue #18, "Conflicts go to people"; ../shared/SYNC.md §2).
///
/// Field by field, against the value the incoming side started from (its `old`, the base):
/// - the incoming side did not change the column (new = base): nothing to do;
/// - only the incoming side changed it (current = base): the incoming value is applied;
/// - both changed it to the same value: merged, nothing to do;
/// - both changed it to different values: a `value` conflict; the current value stays, the incoming one is kept
///   in the conflict. Never "last write wins" (Primero's silent overwrite, primeroIMS/primero#508) and never
///   ordered by device clocks (laurent22/joplin#13531).
///
/// Different columns therefore merge. A status change races when the row changed on the server since the
/// kiosk's `base_version` by another kiosk (any column, the status itself included, even when it came back to
/// the value the kiosk started from): a closure or reopening racing any other change always goes to
/// review (a `review` conflict on the status column, current status kept), in both orders — the kiosk changed
/// the status while another kiosk changed the row, or the kiosk changed the row while another kiosk changed
/// the status (then the incoming columns merge as usual and the review names them, once per kiosk and status
/// change however many edits the kiosk made from its old copy). When both sides set the
/// same status there is nothing to decide and nothing is raised; two different statuses are always a review.
public enum SyncMerge {
    /// The columns whose change is a status change, per kind of row: `status` of a case (closure, reopening,
    /// transfer, duplicate). A referral's status follows the provider's answer and merges like any column.
    public static func reviewFields(_ entity: SyncEntity) -> Set<String> {
        entity == .caseRecord ? [SyncColumn.status] : []
    }

    /// Columns that record when something first happened: two kiosks that both set one have no disagreement to
    /// decide, the earlier instant is simply the true one (a case's `first_action_at`, the first assessment,
    /// referral or follow-up, which the first-action deadline of `Deadlines.firstActionHours` is measured to). Both
    /// sides changing it to different instants merges to the earlier one instead of a conflict.
    public static func earliestFields(_ entity: SyncEntity) -> Set<String> {
        entity == .caseRecord ? ["first_action_at"] : []
    }

    /// Columns that record when something last happened: the later instant is the true one. A case's
    /// `reviewed_at` is the time of the newest entry on its timeline (kept by a trigger on each kiosk; the review
    /// deadline of `Deadlines.reviewDays` runs from it), so two kiosks that both acted on a case each set it, and
    /// the later of the two is when the case was last looked at. Found by the district's end-to-end test: without
    /// this rule, an assessment on two kiosks asked a supervisor to choose between two clock readings.
    public static func latestFields(_ entity: SyncEntity) -> Set<String> {
        entity == .caseRecord ? ["reviewed_at"] : []
    }

    /// What the three-way merge decides for one column.
    public enum FieldOutcome: Hashable, Sendable {
        /// The incoming side did not change it (new = base).
        case unchanged
        /// Only the incoming side changed it: applied.
        case applied
        /// Both sides changed it to the same value.
        case same
        /// Both changed it to different values (or a status race): kept in a conflict of this kind.
        case conflict(ConflictKind)
    }

    /// The three-way rule for one column: see the type's documentation.
    /// - Parameters: base, what the incoming side started from; current, what the server has; incoming, what
    ///   the incoming side wrote.
    /// - Returns: `.unchanged`, `.applied`, `.same` or `.conflict(.value)`.
    public static func mergeField(base: SyncValue, current: SyncValue, incoming: SyncValue) -> FieldOutcome {
        if incoming == base { return .unchanged }
        if current == incoming { return .same }
        if current == base { return .applied }
        return .conflict(.value)
    }

    /// The result of merging one field patch into a row.
    public struct PatchMerge: Hashable, Sendable {
        /// The row after the merge: the applied columns, and the note of a review raised (store it whenever it
        /// differs from the row given).
        public var row: SyncRow
        /// What changed on the server, as kiosks will pull it; nil when nothing did.
        public var applied: FieldPatch?
        /// Conflicts opened, sorted by column.
        public var conflicts: [SyncConflict]
        /// Column → what the merge decided, for every column of the incoming patch.
        public var outcomes: [String: FieldOutcome]
        /// True when the row had changed since the patch's base version and the patch still applied columns:
        /// a merge of different columns, which the timeline shows (issue #18).
        public var mergedWithOthers: Bool
    }

    /// Merges an incoming field patch into the server's row.
    /// - Parameters:
    ///   - patch: the incoming patch (validated by `SyncValidation`).
    ///   - row: the server's row (`SyncRow.empty` when it does not exist yet).
    ///   - origin: the change's kiosk, number and actor (names conflicts; kiosks never race themselves).
    /// - Returns: the new row, the applied patch, the conflicts and each column's outcome. Never throws.
    public static func mergePatch(_ patch: FieldPatch, into row: SyncRow, origin: ChangeOrigin) -> PatchMerge {
        let review = reviewFields(patch.entity)
        // Columns another kiosk changed since the version this kiosk started from.
        let othersSinceBase = Set(row.changedAt.filter { f, v in v > patch.baseVersion && row.changedBy[f] != origin.kiosk }.keys)
        var outcomes: [String: FieldOutcome] = [:]
        var take: [String: SyncValue] = [:]
        // Columns where the server's earlier first action (or later last one) stays over the incoming value: sent back
        // in the applied patch so the kiosk that wrote the other one takes the district's value.
        var echo: [String: FieldChange] = [:]
        var conflicts: [SyncConflict] = []
        func conflict(_ kind: ConflictKind, _ f: String, base: SyncValue, incoming: SyncValue, racing: [String]) -> SyncConflict {
            SyncConflict(id: origin.conflictID(f), kind: kind, entity: patch.entity, rowID: patch.id, field: f, base: base,
                         current: row[f], incoming: incoming, racing: racing, actor: origin.actor)
        }
        for (f, change) in patch.fields {
            var outcome = mergeField(base: change.old, current: row[f], incoming: change.new)
            // Any column another kiosk changed since the base, the status itself included (it may have gone
            // there and back: the value merge would see no change, but the other kiosk acted on the case).
            if review.contains(f), outcome == .conflict(.value) || (outcome == .applied && !othersSinceBase.isEmpty) {
                outcome = .conflict(.review)
                conflicts.append(conflict(.review, f, base: change.old, incoming: change.new, racing: othersSinceBase.sorted()))
            } else if outcome == .conflict(.value),
                      earliestFields(patch.entity).contains(f) || latestFields(patch.entity).contains(f),
                      let mine = ISO8601.parse(change.new.stringValue ?? ""), let theirs = ISO8601.parse(row[f].stringValue ?? "") {
                // Both recorded a first action: the earlier one is the first; both a last one: the later is the last.
                let wins = earliestFields(patch.entity).contains(f) ? mine < theirs : mine > theirs
                outcome = wins ? .applied : .same
                if wins { take[f] = change.new } else { echo[f] = FieldChange(old: change.new, new: row[f]) }
            } else if outcome == .conflict(.value) {
                conflicts.append(conflict(.value, f, base: change.old, incoming: change.new, racing: []))
            } else if outcome == .applied {
                take[f] = change.new
            }
            outcomes[f] = outcome
        }
        // The other order: another kiosk changed the status since this kiosk's base, and this patch changes
        // other columns of the row. Once per kiosk and status change: its later edits merge without a new review.
        var newRow = row
        let editedColumns = outcomes.filter { $0.value == .applied }.keys.sorted()
        for f in review.intersection(othersSinceBase).sorted()
        where patch.fields[f] == nil && !editedColumns.isEmpty && !(row.reviewed[f]?.contains(origin.kiosk) ?? false) {
            let seen = row.before[f] ?? .null
            conflicts.append(conflict(.review, f, base: seen, incoming: seen, racing: editedColumns))
            newRow.reviewed[f, default: []].insert(origin.kiosk)
        }
        var applied = newRow.apply(take, entity: patch.entity, id: patch.id, by: origin.kiosk)
        if !echo.isEmpty {
            var p = applied ?? FieldPatch(entity: patch.entity, id: patch.id, baseVersion: newRow.version, fields: [:])
            p.fields.merge(echo) { a, _ in a }
            applied = p
        }
        let merged = applied != nil && !othersSinceBase.isEmpty
        return PatchMerge(row: newRow, applied: applied, conflicts: conflicts.sorted { $0.id < $1.id }, outcomes: outcomes,
                          mergedWithOthers: merged)
    }

    /// What an incoming append-only record comes to.
    public enum RecordOutcome: Hashable, Sendable {
        /// No record has this id: store it.
        case insert
        /// The same id with the same content is already stored: acknowledge, store nothing.
        case duplicate
        /// The same id with other content: the stored record stays, the incoming one is kept in the conflict.
        case conflict(SyncConflict)
    }

    /// Merges an append-only record (ODK Central's rule: same id and other content is a conflict, never an
    /// overwrite; SYNC.md §1).
    /// - Parameters: existing, the record stored under `incoming.id` (nil when none); origin, the change.
    public static func mergeRecord(existing: SyncRecord?, incoming: SyncRecord, origin: ChangeOrigin) -> RecordOutcome {
        guard let existing else { return .insert }
        if existing == incoming { return .duplicate }
        return .conflict(SyncConflict(id: origin.conflictID(""), kind: .record, entity: nil, recordKind: incoming.kind,
                                      rowID: incoming.id, field: "", base: .null, current: .null, incoming: .null,
                                      incomingRecord: incoming, actor: origin.actor))
    }

    /// The result of applying a supervisor's resolution.
    public struct ResolutionMerge: Hashable, Sendable {
        /// The row after it (nil for a record conflict: no row changes).
        public var row: SyncRow?
        /// The column change it made, as kiosks pull it; nil when the value was already there.
        public var applied: FieldPatch?
        /// True when it settled the conflict (false: the conflict was already settled).
        public var closes: Bool
        /// A new conflict when the conflict had already been settled with another value (two supervisors
        /// deciding differently): the first decision stays, the second is kept for a person.
        public var conflicts: [SyncConflict]
    }

    /// Applies a supervisor's resolution of `conflict` to the row it is about.
    /// - Parameters:
    ///   - resolution: the decision (its value becomes the column's value).
    ///   - conflict: the conflict it names, as stored.
    ///   - isOpen: false when another resolution already settled it.
    ///   - row: the conflict's row (ignored for a record conflict).
    ///   - origin: the resolution's own change.
    /// - Returns: the new row, the applied column change, whether the conflict closes, and any new conflict.
    public static func resolve(_ resolution: ConflictResolution, of conflict: SyncConflict, isOpen: Bool, row: SyncRow,
                               origin: ChangeOrigin) -> ResolutionMerge {
        guard conflict.kind != .record, let entity = conflict.entity else {
            return ResolutionMerge(row: nil, applied: nil, closes: isOpen, conflicts: [])
        }
        let f = conflict.field
        if isOpen {
            var newRow = row
            let applied = newRow.apply([f: resolution.value], entity: entity, id: conflict.rowID, by: origin.kiosk)
            return ResolutionMerge(row: newRow, applied: applied, closes: true, conflicts: [])
        }
        guard row[f] != resolution.value else { return ResolutionMerge(row: row, applied: nil, closes: false, conflicts: []) }
        let again = SyncConflict(id: origin.conflictID(f), kind: conflict.kind, entity: entity, rowID: conflict.rowID, field: f,
                                 base: conflict.current, current: row[f], incoming: resolution.value,
                                 racing: conflict.racing, actor: origin.actor)
        return ResolutionMerge(row: row, applied: nil, closes: false, conflicts: [again])
    }
}
