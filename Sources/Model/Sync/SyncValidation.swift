import Foundation

/// Checks what arrives on the district link before anything is applied: shape, limits and numbering.
///
/// Every check returns a typed `SyncRefusal` (never traps, never throws past this type), so a server answers a
/// malformed, oversized, out-of-order or replayed push with a clear reason and applies nothing of it (issue #18,
/// "Bad input at the server"). Forged pushes (wrong key, revoked kiosk) are refused earlier, by the transport.
public enum SyncValidation {
    /// Decodes and validates a push body as received.
    /// - Parameter data: the request body (JSON, UTF-8).
    /// - Returns: the push, or `.oversized` (more than `SyncLimits.maxRequestBytes`), `.malformed` (not the
    ///   format's JSON), `.unsupportedFormat`, or any refusal of `validate(_:)`.
    public static func decodePush(_ data: Data) -> Result<PushRequest, SyncRefusal> {
        guard data.count <= SyncLimits.maxRequestBytes else {
            return .failure(SyncRefusal(.oversized, "The push is \(data.count) bytes; at most \(SyncLimits.maxRequestBytes) are accepted."))
        }
        if let format = formatOf(data), format != SyncFormat.version {
            return .failure(unsupported(format))
        }
        let push: PushRequest
        do {
            push = try JSONDecoder().decode(PushRequest.self, from: data)
        } catch {
            return .failure(SyncRefusal(.malformed, "The push is not in the district link's format (\(Self.describe(error)))."))
        }
        if let refusal = validate(push) { return .failure(refusal) }
        return .success(push)
    }

    /// Decodes and validates a pull request body.
    /// - Returns: the request, or `.oversized`, `.malformed` (also for a negative `after` or a limit outside
    ///   1...`SyncLimits.maxChangesPerPull`) or `.unsupportedFormat`.
    public static func decodePull(_ data: Data) -> Result<PullRequest, SyncRefusal> {
        guard data.count <= SyncLimits.maxRequestBytes else {
            return .failure(SyncRefusal(.oversized, "The pull request is \(data.count) bytes; at most \(SyncLimits.maxRequestBytes) are accepted."))
        }
        guard let pull = try? JSONDecoder().decode(PullRequest.self, from: data) else {
            return .failure(SyncRefusal(.malformed, "The pull request is not in the district link's format."))
        }
        guard pull.format == SyncFormat.version else { return .failure(unsupported(pull.format)) }
        guard pull.after >= 0, (1...SyncLimits.maxChangesPerPull).contains(pull.limit) else {
            return .failure(SyncRefusal(.malformed, "A pull asks for changes after a number ≥ 0, at most \(SyncLimits.maxChangesPerPull) at a time."))
        }
        return .success(pull)
    }

    /// Checks a pull reply on the kiosk before anything of it is applied: the format, and changes in strictly
    /// increasing `server_seq`, all after the request's `after`, at most the request's limit.
    /// - Returns: nil when it may be applied in order, else `.unsupportedFormat`, `.oversized` or `.outOfOrder`
    ///   (the kiosk then keeps its cursor and tries again later).
    public static func validate(_ reply: PullReply, for request: PullRequest) -> SyncRefusal? {
        guard reply.format == SyncFormat.version else { return unsupported(reply.format) }
        guard reply.changes.count <= request.limit else {
            return SyncRefusal(.oversized, "The server sent \(reply.changes.count) changes; \(request.limit) were asked for.")
        }
        var last = request.after
        for change in reply.changes {
            guard change.serverSeq > last else {
                return SyncRefusal(.outOfOrder, "The server's change \(change.serverSeq) came after \(last): the pull is not in the server's order.")
            }
            last = change.serverSeq
        }
        return nil
    }

    /// Validates a decoded push: format version, number of changes, numbering (`from_seq`, `from_seq`+1, …),
    /// names, actors and the size of every value; an audit head must be the last audit row of the push (issue #19).
    /// - Returns: nil when the push may go on to `SyncSequencing.plan`, else the first refusal found.
    public static func validate(_ push: PushRequest) -> SyncRefusal? {
        guard push.format == SyncFormat.version else { return unsupported(push.format) }
        guard push.fromSeq >= 1 else { return SyncRefusal(.malformed, "Change numbers start at 1; from_seq is \(push.fromSeq).") }
        guard push.changes.count <= SyncLimits.maxChangesPerPush else {
            return SyncRefusal(.oversized, "A push holds at most \(SyncLimits.maxChangesPerPush) changes; this one holds \(push.changes.count).")
        }
        for (i, change) in push.changes.enumerated() {
            let (expected, overflow) = push.fromSeq.addingReportingOverflow(i)
            guard !overflow, change.kioskSeq == expected else {
                return SyncRefusal(.outOfOrder, "Change \(i + 1) of the push is numbered \(change.kioskSeq), not \(push.fromSeq &+ i).",
                                   kioskSeq: change.kioskSeq)
            }
            if let refusal = validate(change) { return refusal }
        }
        if let head = push.auditHead {
            // The head is the last audit row the push itself carries, so the server checks it against what it stores
            // with the push, in the same transaction (issue #19).
            guard head.mac.utf8.count <= 128, head.signature.utf8.count <= 128 else {
                return SyncRefusal(.oversized, "The audit head's mac or signature is too long.")
            }
            guard let last = AuditHead.last(in: push.changes), last.seq == head.seq, last.mac == head.mac else {
                return SyncRefusal(.malformed, "The audit head is not the last audit entry of the push.")
            }
        }
        return nil
    }

    /// Validates one change's content (not its number).
    /// - Returns: nil, or `.malformed` (empty or bad names, a negative base version, an empty patch, a list in
    ///   a list, an empty actor) or `.oversized` (too many fields or list items, a value or actor too long).
    public static func validate(_ change: SyncChange) -> SyncRefusal? {
        let seq = change.kioskSeq
        let actorBytes = change.actor.utf8.count
        guard actorBytes > 0 else { return SyncRefusal(.malformed, "Change \(seq) names no actor.", kioskSeq: seq) }
        guard actorBytes <= SyncLimits.maxActorBytes else {
            return SyncRefusal(.oversized, "Change \(seq): the actor's name is longer than \(SyncLimits.maxActorBytes) bytes.", kioskSeq: seq)
        }
        switch change.body {
        case .patch(let p):
            guard p.baseVersion >= 0 else { return SyncRefusal(.malformed, "Change \(seq): base_version is negative.", kioskSeq: seq) }
            guard !p.fields.isEmpty else { return SyncRefusal(.malformed, "Change \(seq) changes no field.", kioskSeq: seq) }
            return validate(fields: p.fields.flatMap { [($0.key, $0.value.old), ($0.key, $0.value.new)] }, count: p.fields.count, seq: seq)
        case .record(let r):
            return validate(fields: r.payload.map { ($0.key, $0.value) }, count: r.payload.count, seq: seq)
        case .resolution(let r):
            guard r.conflict.kioskSeq >= 1, r.conflict.field.isEmpty || isName(r.conflict.field) else {
                return SyncRefusal(.malformed, "Change \(seq) resolves a conflict that cannot exist (\(r.conflict)).", kioskSeq: seq)
            }
            return validate(fields: [("value", r.value), ("note", .string(r.note))], count: 2, seq: seq)
        }
    }

    /// True for a column or payload key name: `[a-z][a-z0-9_]*`, at most `SyncLimits.maxNameBytes` bytes.
    public static func isName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, ("a"..."z").contains(first), s.utf8.count <= SyncLimits.maxNameBytes else { return false }
        return s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// Checks names, the number of fields and every value's size.
    static func validate(fields: [(String, SyncValue)], count: Int, seq: Int) -> SyncRefusal? {
        guard count <= SyncLimits.maxFields else {
            return SyncRefusal(.oversized, "Change \(seq) has \(count) fields; at most \(SyncLimits.maxFields) are accepted.", kioskSeq: seq)
        }
        for (name, value) in fields {
            guard isName(name) else {
                return SyncRefusal(.malformed, "Change \(seq): a field name must be lower-case letters, digits and _ (at most \(SyncLimits.maxNameBytes) bytes).", kioskSeq: seq)
            }
            if case .list(let items) = value {
                guard items.count <= SyncLimits.maxListItems else {
                    return SyncRefusal(.oversized, "Change \(seq): \(name) holds more than \(SyncLimits.maxListItems) items.", kioskSeq: seq)
                }
                guard !items.contains(where: { if case .list = $0 { return true } else { return false } }) else {
                    return SyncRefusal(.malformed, "Change \(seq): \(name) holds a list inside a list.", kioskSeq: seq)
                }
            }
            guard value.byteCount <= SyncLimits.maxValueBytes else {
                return SyncRefusal(.oversized, "Change \(seq): \(name) is longer than \(SyncLimits.maxValueBytes) bytes.", kioskSeq: seq)
            }
        }
        return nil
    }

    private static func unsupported(_ format: Int) -> SyncRefusal {
        SyncRefusal(.unsupportedFormat, "This server reads format \(SyncFormat.version) of the district link, not \(format): update Kinga.")
    }

    /// The `format` of a JSON object, when the body is one and has an integer there.
    private static func formatOf(_ data: Data) -> Int? {
        struct Head: Decodable { let format: Int }
        return (try? JSONDecoder().decode(Head.self, from: data))?.format
    }

    /// A short, safe description of a decoding error (the coding path, never the input's text).
    private static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "not JSON" }
        let path: [CodingKey]
        switch e {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): path = c.codingPath
        case .keyNotFound(let k, let c): path = c.codingPath + [k]
        @unknown default: path = []
        }
        let text = path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        return text.isEmpty ? "not JSON" : "at \(text)"
    }
}

/// Exactly-once numbering of pushes (issue #18: "Push is numbered per kiosk and applied exactly once, through
/// lost replies, retries and restarts"; SYNC.md §2).
///
/// The server keeps, per kiosk, the last kiosk sequence number it applied. A push starting past the next
/// number is a gap (changes before it never arrived: refused, the kiosk resends from the number in
/// `accepted_through` + 1). Numbers at or below the last applied are duplicates of a resent push: acknowledged
/// and not applied again, after checking they carry the same content as what was applied (other content under
/// an applied number is a replay: refused). The rest are applied in order, all in one transaction.
public enum SyncSequencing {
    /// What to do with a valid push.
    public struct Plan: Hashable, Sendable {
        /// Changes to apply, in order.
        public var apply: [SyncChange]
        /// Numbers already applied before: acknowledge only.
        public var duplicates: [Int]
        /// The kiosk's last applied number once `apply` is applied.
        public var acceptedThrough: Int
    }

    /// Plans a push against the server's last applied number for its kiosk.
    /// - Parameters:
    ///   - lastApplied: the last kiosk sequence number applied for this kiosk (0: none).
    ///   - push: a push that passed `SyncValidation.validate` (checked again for numbering here).
    ///   - alreadyApplied: the changes applied before under the push's numbers at or below `lastApplied`, as the
    ///     server logged them; a number missing here is acknowledged on the server's word.
    /// - Returns: the plan, or `.gap`, `.outOfOrder`, `.replayed` (nothing applied).
    public static func plan(lastApplied: Int, push: PushRequest, alreadyApplied: [Int: SyncChange] = [:]) -> Result<Plan, SyncRefusal> {
        if let refusal = SyncValidation.validate(push) { return .failure(refusal) }
        guard push.fromSeq <= lastApplied + 1 else {
            return .failure(SyncRefusal(.gap, "The server has this kiosk's changes up to \(lastApplied); send from \(lastApplied + 1), not \(push.fromSeq).",
                                        kioskSeq: push.fromSeq))
        }
        var plan = Plan(apply: [], duplicates: [], acceptedThrough: lastApplied)
        for change in push.changes {
            if change.kioskSeq <= lastApplied {
                if let before = alreadyApplied[change.kioskSeq], before != change {
                    return .failure(SyncRefusal(.replayed, "Change \(change.kioskSeq) was applied before with other content; this kiosk's numbering was restarted (a restored or cloned kiosk enrols again).",
                                                kioskSeq: change.kioskSeq))
                }
                plan.duplicates.append(change.kioskSeq)
            } else {
                plan.apply.append(change)
                plan.acceptedThrough = change.kioskSeq
            }
        }
        return .success(plan)
    }
}
