import Crypto
import Foundation
import Logging
import Model
import PostgresNIO

/// What `kinga-server audit verify` found for one kiosk (issue #19): whether its audit chain reached the server
/// whole, and whether every receipt the server gave it still holds.
public struct KioskAuditReport: Sendable, Equatable {
    public var kiosk: KioskCode
    /// Audit rows the server holds for the kiosk.
    public var entries: Int
    /// The highest row number (0: none).
    public var lastSeq: Int
    /// Numbers from 1 to `lastSeq` the server does not hold (at most 20 listed).
    public var missing: [Int]
    /// Receipts the server gave the kiosk.
    public var receipts: Int
    /// Receipts that no longer hold, each with why (a signature that does not verify, a row that is missing or whose
    /// mac differs from the receipt's); at most 20 listed.
    public var badReceipts: [String]

    /// True when the chain is whole and every receipt holds.
    public var isSound: Bool { missing.isEmpty && badReceipts.isEmpty }
}

extension DistrictStore {
    /// Whether `head`'s signature is the kiosk's (Ed25519 over `AuditHead.message`).
    static func isKiosksSignature(_ head: AuditHead, kiosk: KioskCode, publicKey: Data) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey), let signature = Data(base64Encoded: head.signature) else {
            return false
        }
        return key.isValidSignature(signature, for: AuditHead.message(kiosk: kiosk, seq: head.seq, mac: head.mac))
    }

    /// The receipt for `head` inside the push's transaction: the one given before for this kiosk and number (a
    /// resent push gets the same receipt), or a new one signed with `key` and kept in `audit_receipt`.
    /// - Throws: PostgresNIO's errors; `CryptoKitError` when the key cannot sign.
    static func receipt(for head: AuditHead, kiosk: KioskRow, serverSeq: Int, key: P256.Signing.PrivateKey,
                        on conn: PostgresConnection, logger: Logger) async throws -> AuditReceipt {
        let rows = try await conn.query("""
            SELECT mac, received_at, server_seq, signature FROM audit_receipt WHERE kiosk_id = \(kiosk.id) AND seq = \(Int64(head.seq))
            """, logger: logger)
        for try await (mac, at, seq, signature) in rows.decode((String, String, Int64, String).self) {
            return AuditReceipt(kiosk: kiosk.code, seq: head.seq, mac: mac, receivedAt: at, serverSeq: Int(seq), signature: signature)
        }
        let at = ISO8601.format(Date())
        let message = AuditReceipt.message(kiosk: kiosk.code, seq: head.seq, mac: head.mac, receivedAt: at, serverSeq: serverSeq)
        let signature = try key.signature(for: message).derRepresentation.base64EncodedString()
        try await conn.query("""
            INSERT INTO audit_receipt (kiosk_id, seq, mac, kiosk_signature, received_at, server_seq, signature)
            VALUES (\(kiosk.id), \(Int64(head.seq)), \(head.mac), \(head.signature), \(at), \(Int64(serverSeq)), \(signature))
            """, logger: logger)
        return AuditReceipt(kiosk: kiosk.code, seq: head.seq, mac: head.mac, receivedAt: at, serverSeq: serverSeq, signature: signature)
    }

    /// Checks every kiosk's audit chain as the server holds it (`kinga-server audit verify`): that the rows run from
    /// 1 with no gap, and that each receipt still holds — the kiosk's signature of the head (its enrolled key), the
    /// server's signature (`certificateKey`, the public key of the server's certificate) and the row with that
    /// number, whose mac must be the receipt's. The HMAC of each row cannot be checked here (its key stays on the
    /// kiosk: `kinga audit verify` there); a receipt pins the chain as it was when it was given.
    /// - Returns: one report per kiosk, by code.
    /// - Throws: PostgresNIO's errors.
    public func verifyAudit(certificateKey: P256.Signing.PublicKey) async throws -> [KioskAuditReport] {
        var kiosks: [(Int64, KioskCode, Data?)] = []
        for try await (id, code, key) in try await client.query("SELECT id, code, public_key FROM kiosk ORDER BY code", logger: logger)
            .decode((Int64, String, ByteBuffer?).self) {
            if let c = KioskCode(code) { kiosks.append((id, c, key.map { Data($0.readableBytesView) })) }
        }
        var reports: [KioskAuditReport] = []
        for (id, code, publicKey) in kiosks {
            // The kiosk's audit rows: the records its own pushes carried.
            var macs: [Int: String] = [:]
            let rows = try await client.query("""
                SELECT r.payload::text FROM change_log c JOIN sync_record r ON r.id = c.entity_id
                WHERE c.kiosk_id = \(id) AND c.audience IS NULL AND c.entity = \(SyncRecordKind.auditRow.rawValue)
                """, logger: logger)
            for try await (text) in rows.decode(String.self) {
                guard let record = try? JSONCoding.decode(SyncRecord.self, text), case .int(let seq)? = record.payload["seq"],
                      case .string(let mac)? = record.payload["mac"] else { continue }
                macs[seq] = mac
            }
            let last = macs.keys.max() ?? 0
            let missing = last == 0 ? [] : Array((1...last).lazy.filter { macs[$0] == nil }.prefix(20))
            var receipts = 0
            var bad: [String] = []
            let stored = try await client.query("""
                SELECT seq, mac, kiosk_signature, received_at, server_seq, signature FROM audit_receipt WHERE kiosk_id = \(id) ORDER BY seq
                """, logger: logger)
            for try await (seq, mac, kioskSignature, at, serverSeq, signature) in stored.decode((Int64, String, String, String, Int64, String).self) {
                receipts += 1
                let receipt = AuditReceipt(kiosk: code, seq: Int(seq), mac: mac, receivedAt: at, serverSeq: Int(serverSeq), signature: signature)
                var why: String?
                if let der = Data(base64Encoded: signature), let s = try? P256.Signing.ECDSASignature(derRepresentation: der),
                   certificateKey.isValidSignature(s, for: receipt.signedMessage) {
                    if let publicKey, !Self.isKiosksSignature(AuditHead(seq: Int(seq), mac: mac, signature: kioskSignature), kiosk: code, publicKey: publicKey) {
                        why = "the kiosk's signature of the head does not verify"
                    } else if macs[Int(seq)] == nil {
                        why = "the server holds no audit entry \(seq)"
                    } else if macs[Int(seq)] != mac {
                        why = "audit entry \(seq) is not the one the receipt was given for"
                    }
                } else {
                    why = "the server's signature does not verify with this certificate"
                }
                if let why, bad.count < 20 { bad.append("receipt for entry \(seq) (\(at)): \(why)") }
            }
            reports.append(KioskAuditReport(kiosk: code, entries: macs.count, lastSeq: last, missing: missing, receipts: receipts, badReceipts: bad))
        }
        return reports
    }
}
