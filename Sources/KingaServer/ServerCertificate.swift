import Crypto
import Foundation
import X509

/// The server's own TLS certificate, made at `kinga-server init`: a self-signed P-256 certificate and its key, in
/// `DIR/server-cert.pem` and `DIR/server-key.pem` (both mode 0600, the folder 0700).
///
/// Kiosks do not trust it through any authority: they pin its SHA-256 fingerprint, shown at `init` and on the
/// server's log at each start (issue #18: "prints the fingerprint kiosks must pin"); a changed certificate is
/// refused by the kiosk, never accepted silently.
public enum ServerCertificate {
    /// File names inside the data folder.
    public static let certificateFile = "server-cert.pem", keyFile = "server-key.pem"

    /// What `init` reports.
    public struct Made: Sendable {
        /// The certificate's path.
        public var certificatePath: String
        /// The key's path.
        public var keyPath: String
        /// SHA-256 of the certificate's DER bytes, as 32 upper-case hex pairs joined by `:`.
        public var fingerprint: String
    }

    /// Why `init` refused.
    public struct Exists: Error, CustomStringConvertible {
        /// The file that is already there.
        public var path: String
        /// One plain sentence.
        public var description: String { "\(path) already exists: this folder already has a server certificate (kiosks pin it; remove it only to start a new district)." }
    }

    /// Makes a certificate valid for `years` years, for the DNS names given (and `localhost`), and writes it.
    /// - Parameters:
    ///   - folder: the data folder (created 0700 when missing).
    ///   - names: host names kiosks may use (the fingerprint matters more: kiosks pin it).
    ///   - years: validity in years (default 10).
    /// - Returns: the paths and the fingerprint.
    /// - Throws: `Exists` when a certificate or key is already there; file and X.509 errors.
    public static func make(in folder: String, names: [String] = [], years: Int = 10, now: Date = Date()) throws -> Made {
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let certPath = "\(folder)/\(certificateFile)", keyPath = "\(folder)/\(keyFile)"
        for path in [certPath, keyPath] where fm.fileExists(atPath: path) { throw Exists(path: path) }
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("Kinga district server")
            CommonName(names.first ?? "localhost")
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(Double(years) * 365.25 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                // Its own authority, path length 0: a kiosk pins this certificate as its only trust root, and
                // BoringSSL (swift-nio-ssl) accepts only certificates marked as authorities as roots. Its key never
                // leaves the server, so it signs nothing else.
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames((["localhost"] + names).map { GeneralName.dnsName($0) })
            },
            issuerPrivateKey: .init(key))
        let pem = try certificate.serializeAsPEM()
        try write(pem.pemString + "\n", to: certPath)
        try write(key.pemRepresentation + "\n", to: keyPath)
        return Made(certificatePath: certPath, keyPath: keyPath, fingerprint: fingerprint(der: pem.derBytes))
    }

    /// The fingerprint of the certificate in `folder`.
    /// - Throws: file and PEM errors.
    public static func fingerprint(in folder: String) throws -> String {
        let text = try String(contentsOfFile: "\(folder)/\(certificateFile)", encoding: .utf8)
        return fingerprint(der: try Certificate(pemEncoded: text).serializeAsPEM().derBytes)
    }

    /// SHA-256 of DER bytes as `AB:CD:…` (95 characters).
    public static func fingerprint(der: [UInt8]) -> String {
        SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    /// Writes `text` to a new file readable by its owner only.
    private static func write(_ text: String, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
