import Foundation

/// The version of the district link's wire format, sent in every request and reply as `format`.
///
/// Every key is snake_case and spelled out in `CodingKeys`, so the format never depends on an encoder's key
/// strategy. A server refuses a request of another version with `SyncRefusal.Reason.unsupportedFormat`.
public enum SyncFormat {
    /// The current version: 1.
    public static let version = 1
}

/// The limits of the district link, checked by `SyncValidation` before anything is applied.
///
/// Sized for the figures (a day's work is about 200 changes) with room to spare, and small enough that
/// a server on a small machine never holds more than a few megabytes for one request.
public enum SyncLimits {
    /// Most changes in one push (a kiosk with more sends several pushes).
    public static let maxChangesPerPush = 500
    /// Most changes in one pull reply.
    public static let maxChangesPerPull = 1000
    /// Most bytes of one push or pull request body, as received (4 MiB).
    public static let maxRequestBytes = 4 * 1024 * 1024
    /// Most UTF-8 bytes of one value (64 KiB: a long narrative of a report fits).
    public static let maxValueBytes = 64 * 1024
    /// Most items in a list value.
    public static let maxListItems = 200
    /// Most fields in one field patch or record payload.
    public static let maxFields = 100
    /// Most UTF-8 bytes of a column or payload key name (`[a-z][a-z0-9_]*`).
    public static let maxNameBytes = 64
    /// Most UTF-8 bytes of an actor's user name.
    public static let maxActorBytes = 200
}

/// The kinds of mutable row that travel as field patches (issue #18, "What syncs").
public enum SyncEntity: String, Codable, CaseIterable, Sendable {
    /// `case_record`.
    case caseRecord = "case"
    case referral
    /// `service_provider`: the service directory.
    case provider
    /// `app_user`: the district's users.
    case user
}

/// The kinds of append-only record: written once under a UUID, never changed (issue #18, "What syncs").
public enum SyncRecordKind: String, Codable, CaseIterable, Sendable {
    /// A case timeline entry (`case_event`).
    case timelineEntry = "timeline_entry"
    /// A row of a kiosk's audit chain (`audit_log`).
    case auditRow = "audit_row"
    /// A consent or assent record.
    case consentRecord = "consent_record"
}

/// One column of a field patch: the value the kiosk started from (`old`, the base of the three-way merge) and
/// the value it wrote (`new`). JSON: `{"old": …, "new": …}`.
public struct FieldChange: Codable, Hashable, Sendable {
    public var old: SyncValue
    public var new: SyncValue
    /// Memberwise: each argument sets the property of the same name.
    public init(old: SyncValue, new: SyncValue) {
        self.old = old
        self.new = new
    }
}

/// A change to a mutable row, column by column, with the values it started from.
///
/// JSON: `{"entity":"case","id":"…","base_version":3,"fields":{"risk_level":{"old":"low","new":"high"}}}`.
/// `base_version` is the server version of the row the kiosk last pulled (0: a row the kiosk created, with
/// every `old` null). Only changed columns travel; each column's `old` is its base for the three-way merge
/// (`SyncMerge`), `base_version` tells which other changes the kiosk had not seen (a status race, `SyncMerge`).
/// In a pull, the server sends the patch as it applied it: `base_version` its version before, `old` its own
/// value before, and only the columns that changed on the server.
public struct FieldPatch: Codable, Hashable, Sendable {
    public var entity: SyncEntity
    public var id: UUID
    public var baseVersion: Int
    /// Column name → old and new value.
    public var fields: [String: FieldChange]

    /// Memberwise: each argument sets the property of the same name.
    public init(entity: SyncEntity, id: UUID, baseVersion: Int, fields: [String: FieldChange]) {
        self.entity = entity
        self.id = id
        self.baseVersion = baseVersion
        self.fields = fields
    }

    enum CodingKeys: String, CodingKey {
        case entity, id, fields
        case baseVersion = "base_version"
    }
}

/// An append-only record (timeline entry, audit row, consent record) and its payload.
///
/// JSON: `{"kind":"timeline_entry","id":"…","case_id":"…","payload":{"fact":"note","body":"…"}}`. Identified
/// by its UUID: the same id with the same content is a duplicate, the same id with other content a conflict
/// (`SyncMerge.mergeRecord`).
public struct SyncRecord: Codable, Hashable, Sendable {
    public var kind: SyncRecordKind
    public var id: UUID
    /// The case the record belongs to, if any (used for the catchment of a pull).
    public var caseID: UUID?
    /// Column name → value.
    public var payload: [String: SyncValue]

    /// Memberwise: each argument sets the property of the same name.
    public init(kind: SyncRecordKind, id: UUID, caseID: UUID?, payload: [String: SyncValue]) {
        self.kind = kind
        self.id = id
        self.caseID = caseID
        self.payload = payload
    }

    enum CodingKeys: String, CodingKey {
        case kind, id, payload
        case caseID = "case_id"
    }
}

/// Names a conflict the same way on every device, with no random number: the change that raised it (its
/// kiosk and that kiosk's sequence number, unique in the district) and the column (empty for a record).
///
/// JSON: `{"kiosk":"K07","kiosk_seq":42,"field":"risk_level"}`.
public struct ConflictID: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var kiosk: KioskCode
    public var kioskSeq: Int
    public var field: String

    /// Memberwise: each argument sets the property of the same name.
    public init(kiosk: KioskCode, kioskSeq: Int, field: String) {
        self.kiosk = kiosk
        self.kioskSeq = kioskSeq
        self.field = field
    }

    /// `K07:42:risk_level`.
    public var description: String { "\(kiosk):\(kioskSeq):\(field)" }

    /// Orders by the fields in the order they are declared (a stable order for lists and tests).
    public static func < (a: ConflictID, b: ConflictID) -> Bool {
        (a.kiosk.rawValue, a.kioskSeq, a.field) < (b.kiosk.rawValue, b.kioskSeq, b.field)
    }

    enum CodingKeys: String, CodingKey {
        case kiosk, field
        case kioskSeq = "kiosk_seq"
    }
}

/// A supervisor's decision on a conflict: the value the field takes from now on (for a record conflict, `null`:
/// the record already stored stays, the other is kept in the conflict). It travels like any change, so the
/// resolution syncs everywhere (issue #18). JSON: `{"conflict":{…},"value":"high","note":"…"}`.
public struct ConflictResolution: Codable, Hashable, Sendable {
    public var conflict: ConflictID
    public var value: SyncValue
    /// Why, in the supervisor's words (shown on the timeline).
    public var note: String

    /// Memberwise: each argument sets the property of the same name.
    public init(conflict: ConflictID, value: SyncValue, note: String) {
        self.conflict = conflict
        self.value = value
        self.note = note
    }
}

/// What one outbox entry carries: exactly one of a field patch, an append-only record or a resolution.
public enum SyncBody: Hashable, Sendable {
    case patch(FieldPatch)
    case record(SyncRecord)
    case resolution(ConflictResolution)
}

/// One entry of a kiosk's outbox, as pushed: numbered by the kiosk (1, 2, 3… with no gap), with who made it.
///
/// JSON: `{"kiosk_seq":7,"actor":"amina","made_at":"2026-03-02T09:00:00Z","patch":{…}}` with exactly one of
/// `patch`, `record` or `resolution`. `made_at` is the kiosk's clock, shown to people but never used to order
/// anything (issue #18: order follows the server, never device clocks).
public struct SyncChange: Codable, Hashable, Sendable {
    public var kioskSeq: Int
    /// The user name of who made the change on the kiosk.
    public var actor: String
    /// The kiosk's clock when the change was made (ISO 8601), for display only; may be nil.
    public var madeAt: String?
    public var body: SyncBody

    /// Memberwise: each argument sets the property of the same name.
    public init(kioskSeq: Int, actor: String, madeAt: String? = nil, body: SyncBody) {
        self.kioskSeq = kioskSeq
        self.actor = actor
        self.madeAt = madeAt
        self.body = body
    }

    enum CodingKeys: String, CodingKey {
        case actor, patch, record, resolution
        case kioskSeq = "kiosk_seq"
        case madeAt = "made_at"
    }

    /// Reads a change; exactly one of `patch`, `record` or `resolution` must be present.
    /// - Throws: `DecodingError` otherwise (never traps).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kioskSeq = try c.decode(Int.self, forKey: .kioskSeq)
        actor = try c.decode(String.self, forKey: .actor)
        madeAt = try c.decodeIfPresent(String.self, forKey: .madeAt)
        let present = [CodingKeys.patch, .record, .resolution].filter { c.contains($0) }
        guard present.count == 1 else {
            throw DecodingError.dataCorruptedError(forKey: .patch, in: c, debugDescription: "a change holds exactly one of patch, record, resolution")
        }
        switch present[0] {
        case .patch: body = .patch(try c.decode(FieldPatch.self, forKey: .patch))
        case .record: body = .record(try c.decode(SyncRecord.self, forKey: .record))
        default: body = .resolution(try c.decode(ConflictResolution.self, forKey: .resolution))
        }
    }

    /// Writes the change with its one body key.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kioskSeq, forKey: .kioskSeq)
        try c.encode(actor, forKey: .actor)
        try c.encodeIfPresent(madeAt, forKey: .madeAt)
        switch body {
        case .patch(let p): try c.encode(p, forKey: .patch)
        case .record(let r): try c.encode(r, forKey: .record)
        case .resolution(let r): try c.encode(r, forKey: .resolution)
        }
    }
}

/// A kiosk's push: its outbox entries from `from_seq` on, in order.
///
/// JSON: `{"format":1,"kiosk_code":"K07","from_seq":41,"changes":[{"kiosk_seq":41,…},{"kiosk_seq":42,…}]}`.
/// The kiosk resends the same push after a lost reply; the server acknowledges what it already applied
/// (`SyncSequencing`). An empty push asks only where the server is (`accepted_through`).
public struct PushRequest: Codable, Hashable, Sendable {
    public var format: Int
    public var kioskCode: KioskCode
    public var fromSeq: Int
    public var changes: [SyncChange]

    /// Memberwise: each argument sets the property of the same name.
    public init(format: Int = SyncFormat.version, kioskCode: KioskCode, fromSeq: Int, changes: [SyncChange]) {
        self.format = format
        self.kioskCode = kioskCode
        self.fromSeq = fromSeq
        self.changes = changes
    }

    enum CodingKeys: String, CodingKey {
        case format, changes
        case kioskCode = "kiosk_code"
        case fromSeq = "from_seq"
    }
}

/// Why a server refused a push or pull, as a machine reason and a plain message for the Sync screen.
///
/// A refused push is applied not at all (issue #18: "applied whole or not at all"). JSON:
/// `{"reason":"gap","message":"…","kiosk_seq":43}`.
public struct SyncRefusal: Codable, Hashable, Sendable, Error {
    /// The machine reason. Raw values travel: never change one, add a reason instead.
    public enum Reason: String, Codable, CaseIterable, Sendable {
        /// The request's `format` is not one this server reads.
        case unsupportedFormat = "unsupported_format"
        /// Not JSON, or not the shape the format says (a missing key, a wrong type, a bad name or number).
        case malformed
        /// Too many changes, too many fields, or a value or request too large (`SyncLimits`).
        case oversized
        /// The changes are not numbered `from_seq`, `from_seq`+1, … with no gap or repeat.
        case outOfOrder = "out_of_order"
        /// `from_seq` is past the next number the server expects: changes before it never arrived.
        case gap
        /// A number the server already applied arrives with other content (a restored or cloned kiosk, or a
        /// forged request).
        case replayed
    }

    public var reason: Reason
    /// One plain English sentence for logs and the Sync screen (the TUI may put the reason in other words).
    public var message: String
    /// The kiosk sequence number at fault, when one is.
    public var kioskSeq: Int?

    /// Memberwise: each argument sets the property of the same name.
    public init(_ reason: Reason, _ message: String, kioskSeq: Int? = nil) {
        self.reason = reason
        self.message = message
        self.kioskSeq = kioskSeq
    }

    enum CodingKeys: String, CodingKey {
        case reason, message
        case kioskSeq = "kiosk_seq"
    }
}

/// The server's answer to a push.
///
/// JSON: `{"format":1,"accepted_through":42,"applied":[41,42],"duplicates":[40],"server_seq":977,
/// "conflicts":[…]}` (`refusal` present only on a refusal). After a refusal nothing of the push was applied and `accepted_through` is
/// where the server was. `server_seq` is the server's last sequence number once the push is applied: every
/// change acknowledged here is in the pull stream at or before it, so a kiosk keeps showing its own acknowledged
/// values until its pull cursor reaches it (`KioskOutbox`).
public struct PushReply: Codable, Hashable, Sendable {
    public var format: Int
    /// The kiosk's last sequence number the server has applied (0: none yet).
    public var acceptedThrough: Int
    /// Numbers applied by this push.
    public var applied: [Int]
    /// Numbers the server had applied before (a resent push): acknowledged, not applied again.
    public var duplicates: [Int]
    /// The server's last sequence number after this push.
    public var serverSeq: Int
    /// Conflicts this push opened (they also come down in pulls).
    public var conflicts: [SyncConflict]
    public var refusal: SyncRefusal?

    /// Memberwise: each argument sets the property of the same name.
    public init(format: Int = SyncFormat.version, acceptedThrough: Int, applied: [Int], duplicates: [Int], serverSeq: Int,
                conflicts: [SyncConflict], refusal: SyncRefusal?) {
        self.format = format
        self.acceptedThrough = acceptedThrough
        self.applied = applied
        self.duplicates = duplicates
        self.serverSeq = serverSeq
        self.conflicts = conflicts
        self.refusal = refusal
    }

    enum CodingKeys: String, CodingKey {
        case format, applied, duplicates, conflicts, refusal
        case acceptedThrough = "accepted_through"
        case serverSeq = "server_seq"
    }
}

/// A kiosk's pull: everything in its catchment after the server sequence number it has.
/// JSON: `{"format":1,"kiosk_code":"K07","after":976,"limit":1000}`.
public struct PullRequest: Codable, Hashable, Sendable {
    public var format: Int
    public var kioskCode: KioskCode
    /// The last server sequence number the kiosk applied (0: none).
    public var after: Int
    /// Most changes wanted (at most `SyncLimits.maxChangesPerPull`).
    public var limit: Int

    /// Memberwise: each argument sets the property of the same name.
    public init(format: Int = SyncFormat.version, kioskCode: KioskCode, after: Int, limit: Int = SyncLimits.maxChangesPerPull) {
        self.format = format
        self.kioskCode = kioskCode
        self.after = after
        self.limit = limit
    }

    enum CodingKeys: String, CodingKey { case format, after, limit; case kioskCode = "kiosk_code" }
}

/// One change as the server applied it, numbered in the server's order (`server_seq`), as pulls carry it.
///
/// JSON: `{"server_seq":977,"kiosk":"K07","kiosk_seq":42,"actor":"amina","patch":{…},"record":null,
/// "opened":[…],"resolved":[…]}`. `patch` holds only what changed on the server (old: the server's value
/// before); `opened` the conflicts this change raised; `resolved` the conflicts it settled. A change that
/// changed nothing (a duplicate record, a value both sides already agreed on) may carry neither patch nor record.
public struct ServerChange: Codable, Hashable, Sendable {
    public var serverSeq: Int
    /// The kiosk the change came from.
    public var kiosk: KioskCode
    public var kioskSeq: Int
    public var actor: String
    public var patch: FieldPatch?
    public var record: SyncRecord?
    public var opened: [SyncConflict]
    public var resolved: [ConflictID]

    /// Memberwise: each argument sets the property of the same name.
    public init(serverSeq: Int, kiosk: KioskCode, kioskSeq: Int, actor: String, patch: FieldPatch?, record: SyncRecord?,
                opened: [SyncConflict], resolved: [ConflictID]) {
        self.serverSeq = serverSeq
        self.kiosk = kiosk
        self.kioskSeq = kioskSeq
        self.actor = actor
        self.patch = patch
        self.record = record
        self.opened = opened
        self.resolved = resolved
    }

    enum CodingKeys: String, CodingKey {
        case kiosk, actor, patch, record, opened, resolved
        case serverSeq = "server_seq"
        case kioskSeq = "kiosk_seq"
    }
}

/// The server's answer to a pull: changes in server order, and whether more wait.
/// JSON: `{"format":1,"changes":[…],"more":false,"server_seq":977}` (`refusal` present only on a refusal).
public struct PullReply: Codable, Hashable, Sendable {
    public var format: Int
    /// In increasing `server_seq`, all after the request's `after`, none outside the kiosk's catchment.
    public var changes: [ServerChange]
    /// True when the limit cut the list: pull again after the last one.
    public var more: Bool
    /// The server's last sequence number when it answered.
    public var serverSeq: Int
    public var refusal: SyncRefusal?

    /// Memberwise: each argument sets the property of the same name.
    public init(format: Int = SyncFormat.version, changes: [ServerChange], more: Bool, serverSeq: Int, refusal: SyncRefusal? = nil) {
        self.format = format
        self.changes = changes
        self.more = more
        self.serverSeq = serverSeq
        self.refusal = refusal
    }

    enum CodingKeys: String, CodingKey { case format, changes, more, refusal; case serverSeq = "server_seq" }
}

/// What a kiosk receives when it redeems its enrolment code (`POST /v1/enrol`, issue #18): the wire format the
/// server and the kiosk share. JSON:
/// `{"kiosk_code":"K07","name":"Puskesmas Fiksi","villages":["Kampung Fiksi"],"token":"…"}`.
public struct Enrolment: Codable, Equatable, Sendable {
    /// Its kiosk code (for case numbers `KG-2026-K07-0042`).
    public var kioskCode: KioskCode
    /// What people call it.
    public var name: String
    /// Its catchment's villages.
    public var villages: [String]
    /// A new bearer token, replacing the one shown at `kiosk add` (shown once; only its hash is stored).
    public var token: String

    /// Memberwise: each argument sets the property of the same name.
    public init(kioskCode: KioskCode, name: String, villages: [String], token: String) {
        self.kioskCode = kioskCode
        self.name = name
        self.villages = villages
        self.token = token
    }

    enum CodingKeys: String, CodingKey {
        case name, villages, token
        case kioskCode = "kiosk_code"
    }
}
