import Foundation
import Logging
import Model
import PostgresNIO

/// What `DistrictStore.pin` did.
public enum PinOutcome: Sendable, Equatable {
    /// The kiosk did not hold the case and is sent it whole now (the case's id).
    case sent(UUID)
    /// The kiosk held the case already; the pin keeps it there (the case's id).
    case alreadyHeld(UUID)

    /// True for `.sent`.
    public var wasSent: Bool { if case .sent = self { return true } else { return false } }
}

/// Why a pin was refused, in words for the person at the server.
public enum PinRefusal: Error, Equatable, CustomStringConvertible {
    /// No case with this number has reached the server (it may wait on its kiosk for the next sync).
    case unknownCase(String)
    /// The supervisor's name was empty.
    case noSupervisor
    /// Several cases carry this number (numbers given before their kiosks joined the district are not unique in it):
    /// the codes of the kiosks that made them, to name one with `madeBy`.
    case ambiguous(String, madeBy: [String])

    public var description: String {
        switch self {
        case .unknownCase(let n):
            return "No case \(n) has reached the server. Check the number; a case made since its kiosk last synced arrives with its next sync."
        case .ambiguous(let n, let kiosks):
            return "Several cases are numbered \(n) (made by kiosks \(kiosks.joined(separator: ", ")) before they joined the district). Add --made-by with the kiosk that made the one you mean."
        case .noSupervisor:
            return "Say who asks for the pin (--by \"NAME\"): it is kept with the pin and sent as the author of what the kiosk receives."
        }
    }
}

extension DistrictStore {
    /// Pins a case to a kiosk at a supervisor's word (issue #18's catchment, "cases a supervisor pinned"; see
    /// ../shared/SYNC.md §2): for a child who stays with relatives in another kiosk's village, a case heard at a
    /// school, a second opinion. The kiosk is sent the case whole (its row, referrals and timeline, in the server's
    /// order, as when a case moves into its villages) and receives every later change of it; the pin is kept in
    /// `case_pin` with who asked and when. Serialised with pushes (the district lock), so the case arrives whole.
    /// - Parameters:
    ///   - caseNumber: the case number as printed (`KG-2026-K07-0042`; spaces around it ignored).
    ///   - kiosk: the kiosk that is to hold it (not revoked; a whole-district kiosk already holds every case).
    ///   - supervisor: who asked (a name; kept with the pin, sent as the author of what the kiosk receives).
    ///   - madeBy: the kiosk that made the case, when several cases carry the number (see `PinRefusal.ambiguous`).
    /// - Returns: `.sent` when the kiosk is sent the case now, `.alreadyHeld` when it held it already (the pin is
    ///   recorded all the same, so the case stays with the kiosk).
    /// - Throws: `StoreRefusal.unknownKiosk` or `.revoked`; `PinRefusal`; PostgresNIO's errors.
    public func pin(caseNumber: String, to kiosk: KioskCode, by supervisor: String, madeBy: KioskCode? = nil) async throws -> PinOutcome {
        let number = caseNumber.trimmingCharacters(in: .whitespaces).uppercased()
        let who = supervisor.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !who.isEmpty else { throw PinRefusal.noSupervisor }
        let logger = self.logger
        let outcome = try await client.transaction(logger: logger) { conn -> PinOutcome in
            try await conn.query("SELECT pg_advisory_xact_lock(\(Self.districtLockKey))", logger: logger)
            let k = try await Self.kiosk(kiosk, on: conn, logger: logger, forUpdate: true)
            // Numbers given before a kiosk joined are not unique in the district: every case with this number, and
            // the kiosk that made it.
            var found: [(id: UUID, madeBy: String)] = []
            for try await (id, code) in try await conn.query("""
                SELECT s.id, coalesce(k.code, '?') FROM sync_row s LEFT JOIN case_home h ON h.case_id = s.id LEFT JOIN kiosk k ON k.id = h.created_by
                WHERE s.entity = '\(unescaped: SyncEntity.caseRecord.rawValue)' AND s.fields->>'case_number' = \(number)
                """, logger: logger).decode((UUID, String).self) { found.append((id, code)) }
            if let madeBy { found = found.filter { $0.madeBy == madeBy.rawValue } }
            guard let caseID = found.first?.id else { throw PinRefusal.unknownCase(number) }
            guard found.count == 1 else { throw PinRefusal.ambiguous(number, madeBy: found.map(\.madeBy).sorted()) }
            if try await Self.pinHeld(caseID, to: k.id, by: who, on: conn, logger: logger) { return .alreadyHeld(caseID) }
            // The change that first brought the case to the server names where it came from.
            var origin: Origin?
            for try await (kioskID, seq, code) in try await conn.query("""
                SELECT c.kiosk_id, c.kiosk_seq, o.code FROM change_log c JOIN kiosk o ON o.id = c.kiosk_id
                WHERE c.case_id = \(caseID) AND c.audience IS NULL ORDER BY c.server_seq LIMIT 1
                """, logger: logger).decode((Int64, Int64, String).self) {
                guard let code = KioskCode(code) else { continue }
                let pinJSON = try JSONCoding.encode(["pinned_by": who, "kiosk": kiosk.rawValue, "case_number": number])
                origin = Origin(kioskID: kioskID, code: code, kioskSeq: Int(seq), actor: who, changeJSON: pinJSON, madeAt: nil)
            }
            guard let origin else { throw PinRefusal.unknownCase(number) }
            try await Self.sendWhole(caseID, to: [k.id], origin: origin, on: conn, logger: logger)
            return .sent(caseID)
        }
        logger.info("case pinned to a kiosk", metadata: ["case": "\(number)", "kiosk": "\(kiosk)", "by": "\(who)",
                                                          "sent": "\(outcome.wasSent)"])
        return outcome
    }

    /// Records the pin of `caseID` to kiosk `kioskID` by `who` (`case_pin`, once), and says whether the kiosk holds the
    /// case already (`holds`); when it does, `case_reach` keeps it there whatever happens to the case's village.
    static func pinHeld(_ caseID: UUID, to kioskID: Int64, by who: String, on conn: PostgresConnection, logger: Logger) async throws -> Bool {
        var held = false
        for try await (h) in try await conn.query("""
            SELECT \(unescaped: Self.holds("'\(caseID.uuidString)'::uuid")) FROM kiosk k WHERE k.id = \(kioskID)
            """, logger: logger).decode(Bool.self) { held = h }
        try await conn.query("""
            INSERT INTO case_pin (case_id, kiosk_id, pinned_by) VALUES (\(caseID), \(kioskID), \(who))
            ON CONFLICT (case_id, kiosk_id) DO NOTHING
            """, logger: logger)
        if held { try await conn.query("INSERT INTO case_reach (kiosk_id, case_id) VALUES (\(kioskID), \(caseID)) ON CONFLICT DO NOTHING", logger: logger) }
        return held
    }

    /// A pin asked on a supervisor's Kinga (issue #18): the timeline entry `record` (`EventFact.Kind.casePinned`, its
    /// `fact_args` naming the kiosk and the supervisor) was just stored, inside the push that carried it. The named
    /// kiosk keeps the pin and, when it does not hold the case, is sent it whole right after the entry (the entry
    /// included), with the push's change as its origin. A kiosk code the server does not know, or a revoked kiosk, is
    /// logged and left: the entry stays on the timeline, and the district office can pin by hand
    /// (`kinga-server case pin`).
    static func pinAsked(_ caseID: UUID, record: SyncRecord, by kiosk: KioskRow, change: SyncChange,
                         on conn: PostgresConnection, logger: Logger) async throws {
        guard case .string(let text)? = record.payload["fact_args"],
              let args = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String],
              let code = args["kiosk"].flatMap({ KioskCode($0) }) else {
            logger.notice("a pin without a kiosk code was left", metadata: ["case": "\(caseID)"])
            return
        }
        let who = args["supervisor"].flatMap { $0.isEmpty ? nil : $0 } ?? change.actor
        let target: KioskRow
        do { target = try await Self.kiosk(code, on: conn, logger: logger, forUpdate: false) } catch let refusal as StoreRefusal {
            logger.notice("a pin to a kiosk that cannot receive it was left", metadata: ["case": "\(caseID)", "kiosk": "\(code)", "why": "\(refusal)"])
            return
        }
        if try await pinHeld(caseID, to: target.id, by: who, on: conn, logger: logger) { return }
        try await sendWhole(caseID, to: [target.id], by: kiosk, change: change, on: conn, logger: logger)
        logger.info("case pinned to a kiosk from a supervisor's Kinga", metadata: ["case": "\(caseID)", "kiosk": "\(code)", "by": "\(who)"])
    }
}
