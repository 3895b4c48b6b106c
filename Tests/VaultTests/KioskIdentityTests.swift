import Foundation
import Testing
@testable import Vault

/// Issue #18: the kiosk's own Ed25519 key for signing its requests to the district server, kept beside the
/// database (never in it, so never in a backup) and sealed under the database key.
@Suite("The kiosk's own district key")
struct KioskIdentityTests {
    static func folder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kinga-identity-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("signatures verify with the public key and with nothing else; a changed message fails")
    func signs() throws {
        let identity = try KioskIdentity.generate()
        let message = Data("kinga-request-v1\nPOST\n/v1/push\nK07\n{}".utf8)
        let signature = identity.sign(message)
        #expect(signature.count == 64)
        #expect(KioskIdentity.isValid(signature: signature, of: message, publicKey: identity.publicKey))
        #expect(!KioskIdentity.isValid(signature: signature, of: message + Data("x".utf8), publicKey: identity.publicKey))
        #expect(!KioskIdentity.isValid(signature: signature, of: message, publicKey: try KioskIdentity.generate().publicKey))
    }

    @Test("sealed beside the database: 0600, no secret bytes in clear, opens with the database key and no other; missing is nil")
    func sealedFile() throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = KioskIdentity.url(forDatabase: dir.appendingPathComponent("kinga.sqlite"))
        #expect(url.lastPathComponent == "kinga.sqlite.kiosk-key")
        #expect(try KioskIdentity.load(from: url, databaseKey: nil) == nil)
        let key = try DatabaseKey.random()
        let identity = try KioskIdentity.generate()
        try identity.write(to: url, databaseKey: key)
        let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let loaded = try #require(try KioskIdentity.load(from: url, databaseKey: key))
        #expect(loaded.publicKey == identity.publicKey)
        let message = Data("hello".utf8)
        #expect(KioskIdentity.isValid(signature: loaded.sign(message), of: message, publicKey: identity.publicKey))
        // The secret's seed (its first 32 bytes) is nowhere in the file, in any encoding JSON could use.
        let file = try Data(contentsOf: url)
        let seed = identity.secretForTests.prefix(32)
        #expect(file.range(of: seed) == nil && file.range(of: Data(seed.base64EncodedString().prefix(40).utf8)) == nil)
        for wrong in [try DatabaseKey.random(), nil] {
            #expect(throws: VaultError.self) { _ = try KioskIdentity.load(from: url, databaseKey: wrong) }
        }
    }

    @Test("bad input: a damaged file says so plainly, never a crash; a plaintext kiosk's file opens without a key")
    func damagedAndPlain() throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("k.kiosk-key")
        for junk in [Data(), Data("{}".utf8), Data("not json at all".utf8), Data(repeating: 0xFF, count: 4096)] {
            try junk.write(to: url)
            do {
                _ = try KioskIdentity.load(from: url, databaseKey: try DatabaseKey.random())
                Issue.record("junk opened as a kiosk key")
            } catch let e as VaultError {
                guard case .kioskKeyDamaged = e else { Issue.record("\(e)"); continue }
                #expect(e.description.contains("joins the district again"))
            }
        }
        let identity = try KioskIdentity.generate()
        try identity.write(to: url, databaseKey: nil)
        #expect(try KioskIdentity.load(from: url, databaseKey: nil)?.publicKey == identity.publicKey)
    }
}
