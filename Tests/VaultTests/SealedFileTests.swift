import Foundation
import Testing
@testable import Vault

/// Issue #17: identifying exports are sealed to the district office; nothing else opens them, and a damaged
/// file is refused whole.
@Suite("Sealed files for the district office")
struct SealedFileTests {
    func seal(_ plain: Data, to key: DistrictPublicKey) throws -> Data {
        var out = Data()
        let w = try SealedFile.Writer(to: key) { out.append($0) }
        // Written in uneven pieces, as the export writes batches.
        var rest = plain[...]
        var step = 1
        while !rest.isEmpty {
            try w.append(Data(rest.prefix(step)))
            rest = rest.dropFirst(step)
            step = step * 3 + 7
        }
        try w.finish()
        return out
    }

    func open(_ sealed: Data, with secret: DistrictSecretKey) throws -> Data { try SealedFile.open(sealed, with: secret) }

    @Test("round trip at the sizes that matter: empty, one byte, a chunk exactly, chunks and a bit", arguments: [0, 1, SealedFile.chunkBytes, 3 * SealedFile.chunkBytes + 5])
    func roundTrip(size: Int) throws {
        let office = try DistrictSecretKey.generate()
        let plain = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let sealed = try seal(plain, to: office.publicKey)
        #expect(sealed.starts(with: SealedFile.magic))
        #expect(try open(sealed, with: office) == plain)
    }

    @Test("no plaintext in the file; another district's key, a cut, a changed byte or extra bytes are refused")
    func refusals() throws {
        let office = try DistrictSecretKey.generate()
        let plain = Data(String(repeating: "Amina Fiktif, Kampung Fiksi. ", count: 5000).utf8)
        let sealed = try seal(plain, to: office.publicKey)
        #expect(sealed.range(of: Data("Amina".utf8)) == nil)
        #expect(throws: SealedFile.Failure.wrongKey) { _ = try open(sealed, with: try DistrictSecretKey.generate()) }
        #expect(throws: SealedFile.Failure.damaged) { _ = try open(sealed.prefix(sealed.count - 40), with: office) }
        // Cut exactly after a whole chunk: the FINAL chunk is missing.
        let firstChunkEnd = SealedFile.magic.count + 80 + 24 + 4 + SealedFile.chunkBytes + 17
        #expect(throws: SealedFile.Failure.damaged) { _ = try open(sealed.prefix(firstChunkEnd), with: office) }
        var flipped = sealed
        flipped[sealed.count / 2] ^= 0x01
        #expect(throws: SealedFile.Failure.damaged) { _ = try open(flipped, with: office) }
        #expect(throws: SealedFile.Failure.damaged) { _ = try open(sealed + Data([0]), with: office) }
        #expect(throws: SealedFile.Failure.notSealed) { _ = try open(plain, with: office) }
        #expect(throws: SealedFile.Failure.notSealed) { _ = try open(Data(), with: office) }
    }

    @Test("a public key in fullwidth or other non-ASCII digits is refused kindly, never a crash")
    func nonASCIIDigits() {
        #expect(throws: VaultError.publicKeyUnreadable) { _ = try DistrictPublicKey(text: String(repeating: "１", count: 64)) }
        #expect(throws: VaultError.publicKeyUnreadable) { _ = try DistrictPublicKey(text: String(repeating: "٣", count: 64)) }
    }
}
