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
    /// The bytes of changes a kiosk puts in one push and asks for in one pull page (96 KiB; a single larger change
    /// still goes alone). Why: a request must be answered whole within `DistrictClient.timeoutSeconds` (30 s), and
    /// a rural 64 kbit/s link carries about 8,000 bytes a second, so about 240 KB fit in that time. `kinga-bench
    /// sync` found a new kiosk's first pull (505 cases, 2.25 MB) failing on such a link with pages of up to
    /// `maxRequestBytes`; at 96 KiB a page takes about 12 s there, and the extra round trips cost little.
    public static let pageBytes = 96 * 1024
    /// Most UTF-8 bytes of one value (512 KiB). A value over it is refused, and a refused push is sent again
    /// unchanged, so this must hold the largest value a kiosk can write: a case's saved report (`report_json`)
    /// carries the narrative (up to `TextLimits.narrative`, 10,000 characters) and shorter answers, and a character
    /// is up to 4 bytes in UTF-8, more with combining marks (a "character" is what a person sees). The longest report
    /// typed in Amharic is about 40 KB; 512 KiB leaves room for marks and still fits a push (`maxRequestBytes`).
    public static let maxValueBytes = 512 * 1024
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
