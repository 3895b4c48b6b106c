import Foundation

/// How a kiosk signs its push and pull requests with its own Ed25519 key (issue #18), and how the server checks
/// them: the same bytes on both sides, built here so they can never drift apart.
///
/// The signed message is the UTF-8 text `kinga-request-v1`, the method, the request target (path and query as
/// sent, for example `/v1/pull?after=12&limit=1000`) and the kiosk code, each followed by a line feed, then the
/// body's bytes as sent (empty for a pull). The signature (64 bytes, base64) goes in the `Kinga-Signature` header.
/// A replayed request gains nothing: a push is applied exactly once (`SyncSequencing`) and a pull changes nothing.
public enum RequestSignature {
    /// The header that carries the signature.
    public static let header = "Kinga-Signature"
    /// The message's first line: the version of this scheme.
    public static let version = "kinga-request-v1"

    /// The bytes a kiosk signs and the server checks.
    /// - Parameters: `method` (`GET`, `POST`), `target` (path and query), the kiosk's code, the body as sent.
    public static func message(method: String, target: String, kiosk: KioskCode, body: Data) -> Data {
        var m = Data("\(version)\n\(method)\n\(target)\n\(kiosk.rawValue)\n".utf8)
        m.append(body)
        return m
    }
}
