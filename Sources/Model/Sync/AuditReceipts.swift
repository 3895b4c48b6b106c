import Foundation

/// The head of a kiosk's audit chain as a push carries it, signed by the kiosk (issue #19, "the kiosk signs its chain
/// head at each push and the server returns a signed receipt, so tampering after a sync is provable").
///
/// The head is the last audit row the push carries (`seq` and its HMAC `mac`, as in the kiosk's `audit_log`). The
/// kiosk signs `AuditHead.message` with its own Ed25519 key (the key it enrolled with); the server checks the
/// signature against that key and that the head is the row it stores, then answers an `AuditReceipt`. JSON:
/// `{"seq":412,"mac":"…","signature":"…base64…"}`.
public struct AuditHead: Codable, Hashable, Sendable {
    /// The audit row's number in the kiosk's chain (1, 2, 3…).
    public var seq: Int
    /// That row's HMAC-SHA-256, hex, as the kiosk's `audit_log.mac`.
    public var mac: String
    /// The kiosk's Ed25519 signature of `message`, base64 (64 bytes).
    public var signature: String

    /// Memberwise: each argument sets the property of the same name.
    public init(seq: Int, mac: String, signature: String) {
        self.seq = seq
        self.mac = mac
        self.signature = signature
    }

    /// The bytes the kiosk signs: `kinga-audit-head-v1`, the kiosk's code, the number and the mac, each followed by
    /// a line feed.
    public static func message(kiosk: KioskCode, seq: Int, mac: String) -> Data {
        Data("kinga-audit-head-v1\n\(kiosk.rawValue)\n\(seq)\n\(mac)\n".utf8)
    }

    /// The last audit row among `changes` (its number and mac), nil when they carry none or it cannot be read.
    public static func last(in changes: [SyncChange]) -> (seq: Int, mac: String)? {
        for change in changes.reversed() {
            guard case .record(let r) = change.body, r.kind == .auditRow else { continue }
            guard case .int(let seq)? = r.payload["seq"], case .string(let mac)? = r.payload["mac"] else { return nil }
            return (seq, mac)
        }
        return nil
    }
}

/// The district server's receipt for a kiosk's audit chain head: "on `receivedAt` this server held kiosk K07's
/// audit row 412 with this mac", signed with the server's certificate key (ECDSA P-256, the key the kiosk pinned at
/// enrolment). A kiosk keeps its receipts; whoever later rewrites the kiosk's chain — even with its HMAC key —
/// cannot make it match a receipt, and the server's copy proves what the chain was (`kinga audit verify`,
/// `kinga-server audit verify`). JSON: `{"kiosk":"K07","seq":412,"mac":"…","received_at":"…","server_seq":9120,
/// "signature":"…base64 DER…"}`.
public struct AuditReceipt: Codable, Hashable, Sendable {
    public var kiosk: KioskCode
    public var seq: Int
    public var mac: String
    /// When the server first received this head (UTC, ISO 8601, the server's clock).
    public var receivedAt: String
    /// The server's last sequence number when it first received it.
    public var serverSeq: Int
    /// The server's ECDSA P-256 signature (SHA-256) of `message`, DER, base64.
    public var signature: String

    /// Memberwise: each argument sets the property of the same name.
    public init(kiosk: KioskCode, seq: Int, mac: String, receivedAt: String, serverSeq: Int, signature: String) {
        self.kiosk = kiosk
        self.seq = seq
        self.mac = mac
        self.receivedAt = receivedAt
        self.serverSeq = serverSeq
        self.signature = signature
    }

    /// The bytes the server signs: `kinga-audit-receipt-v1`, the kiosk, the number, the mac, the time and the
    /// server's sequence number, each followed by a line feed.
    public static func message(kiosk: KioskCode, seq: Int, mac: String, receivedAt: String, serverSeq: Int) -> Data {
        Data("kinga-audit-receipt-v1\n\(kiosk.rawValue)\n\(seq)\n\(mac)\n\(receivedAt)\n\(serverSeq)\n".utf8)
    }

    /// `message` of this receipt.
    public var signedMessage: Data { Self.message(kiosk: kiosk, seq: seq, mac: mac, receivedAt: receivedAt, serverSeq: serverSeq) }

    enum CodingKeys: String, CodingKey {
        case kiosk, seq, mac, signature
        case receivedAt = "received_at"
        case serverSeq = "server_seq"
    }
}
