import Foundation

/// A kiosk's side of the district link as pure rules: its outbox, what it pushes, what a reply acknowledges,
/// and what a row shows while changes wait (issue #18, "What syncs, and how").
///
/// Storage keeps the same state in tables (`outbox(kiosk_seq, body, acknowledged_at_server_seq)`, the pull
/// cursor, and the rows as last pulled, the "shadow"); these functions say what to do with it:
/// - every local change gets the next kiosk number, with no gap (`append`);
/// - a push sends the unacknowledged entries from the first one, at most `SyncLimits.maxChangesPerPush`
///   (`nextPush`); after a lost reply the same push is sent again, and the server acknowledges what it had;
/// - a reply marks entries acknowledged with the server's sequence number (`acknowledge`); an entry leaves the
///   outbox only once the kiosk has pulled through that number (`pulled(through:)`), so its value never
///   flickers back;
/// - a pulled change always updates the shadow (`KioskOutbox.applyPulled`), and what a row shows is the shadow
///   with the outbox's patches laid over it (`overlay`): a download never overwrites a change still waiting to
///   go up (DHIS2's rule; SYNC.md §1), and once everything is pushed and pulled the row equals the server's.
public struct KioskOutbox: Codable, Hashable, Sendable {
    /// One waiting change.
    public struct Entry: Codable, Hashable, Sendable {
        public var change: SyncChange
        /// The server's sequence number after the push that acknowledged it; nil until acknowledged.
        public var acknowledgedAt: Int?
        /// Memberwise: each argument sets the property of the same name.
        public init(change: SyncChange, acknowledgedAt: Int? = nil) {
            self.change = change
            self.acknowledgedAt = acknowledgedAt
        }
    }

    public var kiosk: KioskCode
    /// In kiosk number order.
    public private(set) var entries: [Entry]
    /// The number the next change gets (1 for a new kiosk).
    public private(set) var nextSeq: Int

    /// Memberwise: each argument sets the property of the same name.
    public init(kiosk: KioskCode, entries: [Entry] = [], nextSeq: Int = 1) {
        self.kiosk = kiosk
        self.entries = entries
        self.nextSeq = nextSeq
    }

    /// Adds a change made on this kiosk and returns it with its number.
    @discardableResult
    public mutating func append(_ body: SyncBody, actor: String, madeAt: String? = nil) -> SyncChange {
        let change = SyncChange(kioskSeq: nextSeq, actor: actor, madeAt: madeAt, body: body)
        entries.append(Entry(change: change))
        nextSeq += 1
        return change
    }

    /// The push to send now: the unacknowledged entries in order, at most `limit`; nil when none wait.
    public func nextPush(limit: Int = SyncLimits.maxChangesPerPush) -> PushRequest? {
        let waiting = entries.filter { $0.acknowledgedAt == nil }.prefix(max(1, limit)).map(\.change)
        guard let first = waiting.first else { return nil }
        return PushRequest(kioskCode: kiosk, fromSeq: first.kioskSeq, changes: Array(waiting))
    }

    /// Takes a push reply: marks every entry up to `accepted_through` acknowledged at the reply's `server_seq`.
    /// A refusal acknowledges what the server says it had (`accepted_through`) and nothing else.
    public mutating func acknowledge(_ reply: PushReply) {
        for i in entries.indices where entries[i].acknowledgedAt == nil && entries[i].change.kioskSeq <= reply.acceptedThrough {
            entries[i].acknowledgedAt = reply.serverSeq
        }
    }

    /// Drops the acknowledged entries the kiosk has now pulled back (`server_seq` ≤ `through`).
    public mutating func pulled(through serverSeq: Int) {
        entries.removeAll { ($0.acknowledgedAt ?? Int.max) <= serverSeq }
    }

    /// The patches still laid over the shadow for one row, in order.
    public func pendingPatches(_ entity: SyncEntity, id: UUID) -> [FieldPatch] {
        entries.compactMap {
            if case .patch(let p) = $0.change.body, p.entity == entity, p.id == id { return p }
            return nil
        }
    }

    /// The columns of a row that have changes waiting (a download must not overwrite what shows there).
    public func pendingFields(_ entity: SyncEntity, id: UUID) -> Set<String> {
        Set(pendingPatches(entity, id: id).flatMap(\.fields.keys))
    }

    /// What a row shows on this kiosk: the shadow's values with the waiting patches applied in order.
    public func overlay(_ entity: SyncEntity, id: UUID, shadow: [String: SyncValue]) -> [String: SyncValue] {
        var out = shadow
        for p in pendingPatches(entity, id: id) {
            for (f, change) in p.fields { out[f] = change.new == .null ? nil : change.new }
        }
        return out
    }

    /// Applies a pulled patch to the shadow of its row (`SyncRow.empty` when the kiosk has none): sets every
    /// column it carries and takes its version (`base_version` + 1). Pulled changes are applied in server order.
    public static func applyPulled(_ patch: FieldPatch, to shadow: SyncRow) -> SyncRow {
        var row = shadow
        for (f, change) in patch.fields { row.values[f] = change.new == .null ? nil : change.new }
        row.version = max(row.version, patch.baseVersion + 1)
        return row
    }
}
