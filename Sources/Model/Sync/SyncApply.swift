import Foundation

/// What the server does with one change of a planned push (`SyncSequencing.Plan.apply`), as a pure function:
/// the server loads what the change touches, calls `SyncApply.apply`, and stores the effect and a
/// `ServerChange` under its next sequence number, all in the push's one transaction.
public enum SyncApply {
    /// What a change touches on the server, loaded before applying it.
    public struct Context: Hashable, Sendable {
        /// For a patch: the row (`SyncRow.empty` when it does not exist). For a resolution: the conflict's row.
        public var row: SyncRow
        /// For a record: the record already stored under its id.
        public var storedRecord: SyncRecord?
        /// For a resolution: the conflict it names (nil when the server knows none).
        public var conflict: SyncConflict?
        /// For a resolution: whether that conflict is still open.
        public var conflictIsOpen: Bool

        /// Memberwise: each argument sets the property of the same name.
        public init(row: SyncRow = .empty, storedRecord: SyncRecord? = nil, conflict: SyncConflict? = nil, conflictIsOpen: Bool = false) {
            self.row = row
            self.storedRecord = storedRecord
            self.conflict = conflict
            self.conflictIsOpen = conflictIsOpen
        }
    }

    /// What to store for one change.
    public struct Effect: Hashable, Sendable {
        /// The row to store, or nil when no row changes.
        public var row: SyncRow?
        /// The id of that row (the patch's or the conflict's row).
        public var rowID: UUID?
        /// The record to insert, or nil.
        public var insert: SyncRecord?
        /// What kiosks pull: the applied patch, the record, the conflicts opened and settled.
        public var patch: FieldPatch?
        public var opened: [SyncConflict]
        public var resolved: [ConflictID]
        /// For a patch, each column's outcome (`SyncMerge.FieldOutcome`); empty otherwise.
        public var outcomes: [String: SyncMerge.FieldOutcome]
        /// True when a patch merged with changes the kiosk had not seen (put on the timeline).
        public var mergedWithOthers: Bool

        /// The change as kiosks pull it, under `serverSeq`.
        public func serverChange(_ serverSeq: Int, kiosk: KioskCode, change: SyncChange) -> ServerChange {
            ServerChange(serverSeq: serverSeq, kiosk: kiosk, kioskSeq: change.kioskSeq, actor: change.actor, patch: patch,
                         record: insert, opened: opened, resolved: resolved)
        }
    }

    /// Applies one change from `kiosk` to what it touches.
    /// - Returns: the effect. A resolution of a conflict the server does not know changes nothing (the kiosk
    ///   cannot have seen such a conflict; it is logged, not refused, so the kiosk's outbox never blocks).
    public static func apply(_ change: SyncChange, from kiosk: KioskCode, context: Context) -> Effect {
        let origin = ChangeOrigin(kiosk: kiosk, kioskSeq: change.kioskSeq, actor: change.actor)
        var e = Effect(row: nil, rowID: nil, insert: nil, patch: nil, opened: [], resolved: [], outcomes: [:], mergedWithOthers: false)
        switch change.body {
        case .patch(let p):
            let m = SyncMerge.mergePatch(p, into: context.row, origin: origin)
            e.row = m.row == context.row ? nil : m.row
            e.rowID = p.id
            e.patch = m.applied
            e.opened = m.conflicts
            e.outcomes = m.outcomes
            e.mergedWithOthers = m.mergedWithOthers
        case .record(let r):
            switch SyncMerge.mergeRecord(existing: context.storedRecord, incoming: r, origin: origin) {
            case .insert: e.insert = r
            case .duplicate: break
            case .conflict(let c): e.opened = [c]
            }
        case .resolution(let r):
            guard let conflict = context.conflict else { return e }
            let m = SyncMerge.resolve(r, of: conflict, isOpen: context.conflictIsOpen, row: context.row, origin: origin)
            e.row = m.applied == nil ? nil : m.row
            e.rowID = conflict.rowID
            e.patch = m.applied
            e.opened = m.conflicts
            e.resolved = m.closes ? [conflict.id] : []
        }
        return e
    }
}
