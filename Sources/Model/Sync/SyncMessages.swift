import Foundation

// The requests and replies of the district link (issue #18): push, pull, refusals and enrolment. The values they
// carry (changes, patches, records) are in SyncWire.swift.

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
    /// The kiosk's signed audit chain head: the last audit row among `changes` (issue #19); nil when the push carries
    /// none or the kiosk has no key. Absent from pushes of earlier versions.
    public var auditHead: AuditHead?

    /// Memberwise: each argument sets the property of the same name.
    public init(format: Int = SyncFormat.version, kioskCode: KioskCode, fromSeq: Int, changes: [SyncChange], auditHead: AuditHead? = nil) {
        self.format = format
        self.kioskCode = kioskCode
        self.fromSeq = fromSeq
        self.changes = changes
        self.auditHead = auditHead
    }

    enum CodingKeys: String, CodingKey {
        case format, changes
        case kioskCode = "kiosk_code"
        case fromSeq = "from_seq"
        case auditHead = "audit_head"
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
    /// The server's signed receipt for the push's `audit_head` (issue #19); nil when the push carried none.
    public var receipt: AuditReceipt?

    /// Memberwise: each argument sets the property of the same name.
    public init(format: Int = SyncFormat.version, acceptedThrough: Int, applied: [Int], duplicates: [Int], serverSeq: Int,
                conflicts: [SyncConflict], refusal: SyncRefusal?, receipt: AuditReceipt? = nil) {
        self.format = format
        self.acceptedThrough = acceptedThrough
        self.applied = applied
        self.duplicates = duplicates
        self.serverSeq = serverSeq
        self.conflicts = conflicts
        self.refusal = refusal
        self.receipt = receipt
    }

    enum CodingKeys: String, CodingKey {
        case format, applied, duplicates, conflicts, refusal, receipt
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
    /// Most bytes of changes wanted in the reply (the server keeps at least one change, and never goes over
    /// `SyncLimits.maxRequestBytes`); nil: the server's limit. Kiosks ask for `SyncLimits.pageBytes`.
    public var maxBytes: Int?
    /// Asks for the kiosk's own changes back as light echoes (`ServerChange.echo(of:)`; query `echo=light`, issue
    /// #19): what the kiosk already holds is not sent again. Nil or false: every change whole (kiosks before it).
    public var lightEcho: Bool?

    /// Memberwise: each argument sets the property of the same name.
    public init(format: Int = SyncFormat.version, kioskCode: KioskCode, after: Int, limit: Int = SyncLimits.maxChangesPerPull,
                maxBytes: Int? = nil, lightEcho: Bool? = nil) {
        self.format = format
        self.kioskCode = kioskCode
        self.after = after
        self.limit = limit
        self.maxBytes = maxBytes
        self.lightEcho = lightEcho
    }

    enum CodingKeys: String, CodingKey {
        case format, after, limit
        case kioskCode = "kiosk_code"
        case maxBytes = "max_bytes"
        case lightEcho = "light_echo"
    }
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

    /// This change as its own kiosk needs it back (a light echo, issue #19: a day's sync at 64 kbit/s): the kiosk
    /// made `pushed` and holds what it wrote, so a record it sent comes back without its payload (nil: the kiosk has
    /// it), and a patch whose every column the server applied as sent comes back with no columns, only its entity,
    /// id and base version (the kiosk's `sync_shadow` still learns the server's version). A column the server applied
    /// otherwise (a merge, a conflict) keeps the whole patch; conflicts opened and resolved always travel.
    /// Unchanged when `pushed` is not this change as sent (another body, another row).
    public func echo(of pushed: SyncChange) -> ServerChange {
        var light = self
        switch pushed.body {
        case .patch(let sent):
            if let p = patch, p.entity == sent.entity, p.id == sent.id, p.fields.allSatisfy({ sent.fields[$0.key]?.new == $0.value.new }) {
                light.patch = FieldPatch(entity: p.entity, id: p.id, baseVersion: p.baseVersion, fields: [:])
            }
        case .record(let sent):
            if record == sent { light.record = nil }
        case .resolution:
            break
        }
        return light
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
